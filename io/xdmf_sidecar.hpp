#pragma once
// The XDMF sidecar of a run file: "OUT.xmf" beside "OUT.h5", so ParaView's XDMF reader (Xdmf 2.0)
// can open the snapshots of docs/OUTPUT.md. The sidecar holds only light data (the layout); every
// array stays in the run file, which it names by file name ("OUT.h5:/snapshots/000003/tissue/x"),
// so the two must stay together.
//
// What it describes, read from the run file as it is (nothing is hard-coded but the roles):
//   - per population group (any group of a snapshot with datasets x, y, z): a temporal collection
//     of Polyvertex point sets, geometry X_Y_Z, every other 1-D numeric dataset of the row count as
//     a Node scalar; a population with no rows at a snapshot is left out of that time step;
//   - per field group (any group of a snapshot with attribute cell_edge_um): a temporal collection
//     of 3DCoRectMesh grids with every 3-D dataset as a Cell scalar;
//   - the time of each step is the snapshot's time_days.

#include <filesystem>

namespace cartsim::io {

// Reads the run file `h5_path` (read-only) and writes "<stem>.xmf" beside it, atomically (a
// ".tmp" renamed over it). Returns the sidecar's path, or an empty path (and writes nothing) when
// the file has no /snapshots, no snapshot, or nothing in them ParaView could show. Throws IoError
// naming the file if the run file cannot be read or the sidecar cannot be written.
std::filesystem::path write_xdmf_sidecar(const std::filesystem::path& h5_path);

}  // namespace cartsim::io
