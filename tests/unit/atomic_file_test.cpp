// util/atomic_file: the one atomic, durable write of state files; private directories whatever the umask.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fakes/engine.hpp"
#include "inventory_test_util.hpp"
#include "run/cluster_lock.hpp"
#include "run/journal.hpp"
#include "util/atomic_file.hpp"
#include "workflow/state_files.hpp"

using namespace ncbctl;
using ncbctl::testing::TempDir;
namespace fs = std::filesystem;

namespace {

int mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return static_cast<int>(st.st_mode & 07777);
}

// Entries of `dir` other than `keep`: a temporary left behind shows up here.
std::vector<std::string> others(const std::string& dir, const std::set<std::string>& keep) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
        if (!keep.contains(e.path().filename().string())) out.push_back(e.path().filename().string());
    return out;
}

struct Umask {
    mode_t old;
    explicit Umask(mode_t m) : old(::umask(m)) {}
    ~Umask() { ::umask(old); }
    Umask(const Umask&) = delete;
    Umask& operator=(const Umask&) = delete;
};

}  // namespace

TEST_CASE("write_file_atomic: content, exact mode, replaces, nothing left behind", "[util][atomic]") {
    TempDir dir;
    const std::string p = dir.path + "/previous-app1";
    {
        Umask u(077);  // the mode asked for, not narrowed
        REQUIRE(util::write_file_atomic(p, "2.2.15\n", 0640));
    }
    CHECK(ncbctl::test::read_text(p) == "2.2.15\n");
    CHECK(mode_of(p) == 0640);
    {
        Umask u(0);  // nor widened
        REQUIRE(util::write_file_atomic(p, "2.2.16"));
    }
    CHECK(ncbctl::test::read_text(p) == "2.2.16");
    CHECK(mode_of(p) == 0600);
    REQUIRE(util::write_file_atomic(p, ""));  // empty content is content
    CHECK(ncbctl::test::read_text(p).empty());
    CHECK(others(dir.path, {"previous-app1"}).empty());

    // A failure after the temporary exists (the target is a directory: rename fails) removes it.
    fs::create_directory(dir.path + "/taken");
    fs::create_directory(dir.path + "/taken/x");
    auto busy = util::write_file_atomic(dir.path + "/taken", "v");
    REQUIRE_FALSE(busy);
    CHECK(busy.error().code == ErrorCode::Io);
    CHECK(busy.error().message.find(dir.path + "/taken") != std::string::npos);
    CHECK(others(dir.path, {"previous-app1", "taken"}).empty());

    auto missing = util::write_file_atomic(dir.path + "/no/such/dir/f", "v");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ErrorCode::Io);
    CHECK(missing.error().message.find("/no/such/dir/f") != std::string::npos);
    CHECK_FALSE(fs::exists(dir.path + "/no"));
}

TEST_CASE("commit_atomic: an already written file or directory takes the target's place", "[util][atomic]") {
    TempDir dir;
    std::ofstream(dir.path + "/dl.part") << "zip";
    REQUIRE(util::commit_atomic(dir.path + "/dl.part", dir.path + "/dl.nbdata"));
    CHECK(ncbctl::test::read_text(dir.path + "/dl.nbdata") == "zip");
    CHECK_FALSE(fs::exists(dir.path + "/dl.part"));
    fs::create_directories(dir.path + "/in.restore/sub");
    std::ofstream(dir.path + "/in.restore/sub/f") << "x";
    REQUIRE(util::commit_atomic(dir.path + "/in.restore", dir.path + "/storage"));
    CHECK(ncbctl::test::read_text(dir.path + "/storage/sub/f") == "x");
    auto gone = util::commit_atomic(dir.path + "/absent.part", dir.path + "/z");
    REQUIRE_FALSE(gone);
    CHECK(gone.error().code == ErrorCode::Io);
    CHECK_FALSE(fs::exists(dir.path + "/z"));
    auto nodir = util::commit_atomic(dir.path + "/dl.nbdata", dir.path + "/missing/z");
    REQUIRE_FALSE(nodir);
    CHECK(fs::exists(dir.path + "/dl.nbdata"));  // left for the caller
}

TEST_CASE("state directories are 0700 under umask 000: state, runs, per-run facts, lock", "[util][atomic][security]") {
    TempDir dir;
    Umask u(0);
    const std::string state = dir.path + "/state/c1";
    REQUIRE(util::create_private_directories(state + "/a/b"));
    CHECK(mode_of(dir.path + "/state") == 0700);
    CHECK(mode_of(state + "/a/b") == 0700);
    fs::create_directory(dir.path + "/theirs");
    ::chmod((dir.path + "/theirs").c_str(), 0755);
    REQUIRE(util::create_private_directories(dir.path + "/theirs/mine"));
    CHECK(mode_of(dir.path + "/theirs") == 0755);  // an existing directory is left as it is
    CHECK(mode_of(dir.path + "/theirs/mine") == 0700);
    std::ofstream(dir.path + "/file") << "x";
    CHECK_FALSE(util::create_private_directories(dir.path + "/file/sub"));

    const std::string s2 = dir.path + "/s2/cluster";
    auto journal = Journal::open(journal_path(s2, new_run_id()));
    REQUIRE(journal);
    CHECK(mode_of(dir.path + "/s2") == 0700);
    CHECK(mode_of(s2) == 0700);
    CHECK(mode_of(runs_dir(s2)) == 0700);
    CHECK(mode_of((*journal)->path()) == 0600);

    const std::string facts = dir.path + "/s3/work/run/previous-app1";
    REQUIRE(workflow::write_small_file(facts, "2.2.15"));
    CHECK(mode_of(dir.path + "/s3") == 0700);
    CHECK(mode_of(dir.path + "/s3/work/run") == 0700);
    CHECK(mode_of(facts) == 0600);
    CHECK(workflow::read_small_file(facts) == "2.2.15");

    auto lock = run::make_local_lock(dir.path + "/s4/c");
    REQUIRE(lock->try_acquire(run::make_holder(new_run_id(), "stop"), Deadline::after(std::chrono::seconds(5))));
    CHECK(mode_of(dir.path + "/s4") == 0700);
    CHECK(mode_of(dir.path + "/s4/c") == 0700);
    CHECK(mode_of(dir.path + "/s4/c/lock.json") == 0600);
}
