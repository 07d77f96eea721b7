#include <catch2/catch.hpp>

#include "util/quote.hpp"

using ncbctl::util::is_printable;
using ncbctl::util::quote;

TEST_CASE("quote shows printable values as they are", "[util][quote]") {
    CHECK(quote("app1") == "app1");
    CHECK(quote("20261126T033410Z-9c4ae3") == "20261126T033410Z-9c4ae3");
    CHECK(quote("a b `c` $d") == "a b `c` $d");
    CHECK(quote("Zürich 東京 🙂") == "Zürich 東京 🙂");
    CHECK(is_printable("Zürich"));
}

TEST_CASE("quote escapes control characters so nothing reaches the terminal raw", "[util][quote]") {
    CHECK(quote("") == "\"\"");
    CHECK(quote("a\nOK fake line") == "\"a\\nOK fake line\"");
    CHECK(quote("\x1b[2J\x1b]0;title\x07") == "\"\\x1b[2J\\x1b]0;title\\x07\"");
    CHECK(quote("tab\there\r") == "\"tab\\there\\r\"");
    CHECK(quote(std::string_view("nul\0x", 5)) == "\"nul\\x00x\"");
    CHECK(quote("del\x7f") == "\"del\\x7f\"");
    // Once quoted, the quote and the backslash are escaped too, so the form reads back unambiguously.
    CHECK(quote("\"\\\n") == "\"\\\"\\\\\\n\"");
    // Printable characters in a value that needs quoting stay readable.
    CHECK(quote("Zürich\n") == "\"Zürich\\n\"");
}

TEST_CASE("quote escapes invalid UTF-8, C1 controls and bidi or zero-width characters", "[util][quote]") {
    CHECK(quote("\xc2\x9b"
                "31m") == "\"\\u{009B}31m\"");  // C1 CSI
    CHECK(quote("ab\xe2\x80\xae"
                "cd") == "\"ab\\u{202E}cd\"");          // right-to-left override
    CHECK(quote("a\xe2\x80\x8b") == "\"a\\u{200B}\"");  // zero-width space
    CHECK(quote("a\xe2\x80\xa8"
                "b") == "\"a\\u{2028}b\"");  // line separator
    CHECK(quote("\xff\xfe") == "\"\\xff\\xfe\"");
    CHECK(quote("\xc0\x8a") == "\"\\xc0\\x8a\"");           // overlong '\n'
    CHECK(quote("\xed\xa0\x80") == "\"\\xed\\xa0\\x80\"");  // surrogate
    CHECK(quote("\xe2\x82") == "\"\\xe2\\x82\"");           // truncated sequence
    for (const auto* v : {"\x1b", "\xc2\x9b", "\xe2\x80\xae", "\xff"}) {
        const std::string q = quote(v);
        for (const char c : q) CHECK((static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f));
    }
}
