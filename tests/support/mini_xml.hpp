#pragma once
// Test support: a strict parser for the small subset of XML our generated files use (an optional
// <?xml ...?> prolog, elements, double-quoted attributes, self-closing tags, character data, the
// five predefined entities). Anything else, including an end tag that does not match its start
// tag, a missing end tag or text after the root element, throws MiniXmlError. Enough to check
// that a generated file is well formed and to look at its structure without a new dependency.

#include <cctype>
#include <cstddef>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cartsim::test_support {

class MiniXmlError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct XmlElement {
    std::string name;
    std::map<std::string, std::string> attributes;
    std::string text;  // character data directly inside this element, concatenated
    std::vector<XmlElement> children;

    // "" when the attribute is missing.
    std::string attribute(const std::string& key) const {
        const auto found = attributes.find(key);
        return found != attributes.end() ? found->second : std::string();
    }
    // Children called `child_name`, in document order.
    std::vector<const XmlElement*> children_named(std::string_view child_name) const {
        std::vector<const XmlElement*> found;
        for (const XmlElement& child : children) {
            if (child.name == child_name) found.push_back(&child);
        }
        return found;
    }
    // This element and every element below it called `element_name`, in document order.
    std::vector<const XmlElement*> descendants_named(std::string_view element_name) const {
        std::vector<const XmlElement*> found;
        const std::function<void(const XmlElement&)> visit = [&](const XmlElement& element) {
            if (element.name == element_name) found.push_back(&element);
            for (const XmlElement& child : element.children) visit(child);
        };
        visit(*this);
        return found;
    }
};

class MiniXmlParser {
  public:
    // The root element of `text`.
    static XmlElement parse(std::string_view text) {
        MiniXmlParser parser(text);
        parser.skip_space();
        if (parser.starts_with("<?")) {
            parser.position_ = parser.find("?>") + 2;
        }
        parser.skip_space();
        XmlElement root = parser.element();
        parser.skip_space();
        if (parser.position_ != text.size()) parser.fail("text after the root element");
        return root;
    }

  private:
    explicit MiniXmlParser(std::string_view text) : text_(text) {}

    [[noreturn]] void fail(const std::string& what) const {
        throw MiniXmlError(what + " at offset " + std::to_string(position_));
    }
    bool starts_with(std::string_view prefix) const {
        return text_.substr(position_).substr(0, prefix.size()) == prefix;
    }
    std::size_t find(std::string_view needle) const {
        const std::size_t found = text_.find(needle, position_);
        if (found == std::string_view::npos) fail("missing '" + std::string(needle) + "'");
        return found;
    }
    void skip_space() {
        while (position_ < text_.size() &&
               std::string_view(" \t\r\n").find(text_[position_]) != std::string_view::npos) {
            ++position_;
        }
    }
    void expect(char character) {
        if (position_ >= text_.size() || text_[position_] != character) {
            fail(std::string("expected '") + character + "'");
        }
        ++position_;
    }
    std::string name() {
        const std::size_t start = position_;
        while (position_ < text_.size() &&
               (std::isalnum(static_cast<unsigned char>(text_[position_])) != 0 ||
                std::string_view("_:.-").find(text_[position_]) != std::string_view::npos)) {
            ++position_;
        }
        if (position_ == start) fail("expected a name");
        return std::string(text_.substr(start, position_ - start));
    }
    std::string unescaped(std::string_view raw) const {
        static const std::map<std::string, char, std::less<>> kEntities = {
            {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
        std::string out;
        for (std::size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] != '&') {
                out += raw[i];
                continue;
            }
            const std::size_t end = raw.find(';', i);
            const auto entity = end == std::string_view::npos
                                    ? kEntities.end()
                                    : kEntities.find(raw.substr(i + 1, end - i - 1));
            if (entity == kEntities.end()) fail("unknown entity");
            out += entity->second;
            i = end;
        }
        return out;
    }

    XmlElement element() {
        expect('<');
        XmlElement result;
        result.name = name();
        while (true) {
            skip_space();
            if (starts_with("/>")) {
                position_ += 2;
                return result;
            }
            if (starts_with(">")) {
                ++position_;
                break;
            }
            const std::string key = name();
            skip_space();
            expect('=');
            skip_space();
            expect('"');
            const std::size_t end = find("\"");
            const std::string_view raw = text_.substr(position_, end - position_);
            if (raw.find('<') != std::string_view::npos) fail("'<' in an attribute value");
            if (!result.attributes.emplace(key, unescaped(raw)).second) {
                fail("attribute '" + key + "' given twice");
            }
            position_ = end + 1;
        }
        while (true) {
            if (position_ >= text_.size()) fail("missing </" + result.name + ">");
            if (starts_with("</")) {
                position_ += 2;
                if (name() != result.name) fail("end tag does not match <" + result.name + ">");
                skip_space();
                expect('>');
                return result;
            }
            if (starts_with("<")) {
                result.children.push_back(element());
                continue;
            }
            const std::size_t end = find("<");
            result.text += unescaped(text_.substr(position_, end - position_));
            position_ = end;
        }
    }

    std::string_view text_;
    std::size_t position_ = 0;
};

}  // namespace cartsim::test_support
