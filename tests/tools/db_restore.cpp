// db_restore INVENTORY DUMP: restores DUMP into the inventory's database exactly as a rollback does
// (backup::restore_dump through the tool runner of `database.run_on`: verify, drop and re-create, pg_restore
// or mysql fed the file). For bench/backup-remote, which times it beside a plain local pg_restore: the CLI
// restores a database dump only inside a rollback, which needs a whole cluster.
#include <chrono>
#include <iostream>
#include <string>

#include "backup/database_dump.hpp"
#include "ncbctl/inventory.hpp"
#include "wiring/wiring.hpp"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: db_restore INVENTORY DUMP\n";
        return 2;
    }
    auto inv = ncbctl::load_inventory(argv[1]);
    if (!inv) {
        for (const auto& d : inv.error()) std::cerr << "db_restore: " << d.to_string() << '\n';
        return 2;
    }
    auto tools = ncbctl::wiring::make_tool_runner(*inv);
    if (!tools) {
        std::cerr << "db_restore: " << tools.error().message << '\n';
        return 1;
    }
    auto restored =
        ncbctl::backup::restore_dump(**tools, inv->database, argv[2], ncbctl::Deadline::after(std::chrono::hours(2)));
    if (!restored) {
        std::cerr << "db_restore: " << restored.error().message << '\n';
        return 1;
    }
    return 0;
}
