#include "util/block_pipe.hpp"

#include <algorithm>

namespace ncbctl::util {

BlockPipe::BlockPipe(std::size_t slot_size, std::size_t slots, Stage on_full, Stage consume)
    : on_full_(std::move(on_full)), consume_(std::move(consume)), blocks_(slots < 2 ? 2 : slots) {
    for (auto& b : blocks_) {
        b.bytes.resize(slot_size == 0 ? 1 : slot_size);
        free_.push_back(&b);
    }
    current_ = free_.front();
    free_.pop_front();
    worker_ = std::thread([this] { work(); });
}

BlockPipe::~BlockPipe() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    worker_.join();
}

void BlockPipe::work() {
    for (;;) {
        Block* b = nullptr;
        bool skip = false;
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [&] { return stop_ || !filled_.empty(); });
            if (stop_) return;
            b = filled_.front();
            filled_.pop_front();
            busy_ = 1;
            skip = failed_;  // after a failure the rest of the stream is dropped
        }
        const bool ok = skip || consume_(std::string_view(b->bytes.data(), b->used));
        {
            std::lock_guard lock(mu_);
            b->used = 0;
            free_.push_back(b);
            busy_ = 0;
            if (!ok) failed_ = true;
        }
        cv_.notify_all();
    }
}

bool BlockPipe::hand_over() {
    if (current_->used > 0) {
        if (!on_full_(std::string_view(current_->bytes.data(), current_->used))) {
            std::lock_guard lock(mu_);
            failed_ = true;
            return false;
        }
        {
            std::lock_guard lock(mu_);
            filled_.push_back(current_);
        }
        cv_.notify_all();
    } else {
        std::lock_guard lock(mu_);
        free_.push_back(current_);
    }
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return failed_ || !free_.empty(); });
    if (free_.empty()) {
        current_ = nullptr;  // failed: push and finish stop before touching it
        return false;
    }
    current_ = free_.front();
    free_.pop_front();
    return !failed_;
}

bool BlockPipe::push(std::string_view data) {
    {
        std::lock_guard lock(mu_);
        if (failed_) return false;
    }
    while (!data.empty()) {
        Block& b = *current_;
        const std::size_t n = std::min(data.size(), b.bytes.size() - b.used);
        std::copy_n(data.data(), n, b.bytes.data() + b.used);
        b.used += n;
        data.remove_prefix(n);
        if (b.used == b.bytes.size() && !hand_over()) return false;
    }
    return true;
}

bool BlockPipe::finish() {
    {
        std::lock_guard lock(mu_);
        if (failed_) return false;
    }
    if (current_->used > 0 && !hand_over()) return false;
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return failed_ || (filled_.empty() && busy_ == 0); });
    return !failed_;
}

}  // namespace ncbctl::util
