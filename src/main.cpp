#include "cli/commands.hpp"

int main(int argc, char** argv) {
    return ncbctl::cli::run(argc, argv);
}
