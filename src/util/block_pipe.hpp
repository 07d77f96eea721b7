#pragma once
// Two-stage pipeline over a fixed set of byte blocks, so that work on a stream (e.g. SHA-256) runs on
// a second core while the caller keeps receiving and writing. Memory is `slots * slot_size`, whatever
// the stream length: the producer blocks while every block waits for the worker.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

namespace ncbctl::util {

class BlockPipe {
public:
    // Both stages see every block in stream order; returning false stops the pipe (push/finish then
    // return false and the remaining blocks are dropped).
    using Stage = std::function<bool(std::string_view)>;

    // `on_full` runs on the producer's thread when a block is full (or at finish), before the block is
    // queued for `consume`, which runs on the worker thread.
    BlockPipe(std::size_t slot_size, std::size_t slots, Stage on_full, Stage consume);
    ~BlockPipe();  // stops the worker and joins it, dropping queued blocks
    BlockPipe(const BlockPipe&) = delete;
    BlockPipe& operator=(const BlockPipe&) = delete;

    bool push(std::string_view data);  // copies `data`; false once a stage failed
    bool finish();                     // hands over the partial block and waits for the worker to drain

private:
    struct Block {
        std::vector<char> bytes;
        std::size_t used = 0;
    };
    bool hand_over();  // current block: on_full, then queued; takes a free one
    void work();

    Stage on_full_;
    Stage consume_;
    std::vector<Block> blocks_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Block*> free_;    // guarded by mu_
    std::deque<Block*> filled_;  // guarded by mu_
    bool failed_ = false;        // guarded by mu_
    bool stop_ = false;          // guarded by mu_
    std::size_t busy_ = 0;       // blocks the worker holds; guarded by mu_
    Block* current_ = nullptr;   // producer's block
    std::thread worker_;
};

}  // namespace ncbctl::util
