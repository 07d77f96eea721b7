#pragma once
// A tiny HTTP/1.1 listener on 127.0.0.1 (ephemeral port) that records every request and answers 200:
// the healthchecks-style ping server of the backup tests. One thread, one connection at a time.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct PingRequest {
    std::string method;
    std::string path;
    std::string body;
};

class PingListener {
public:
    PingListener();
    ~PingListener();
    PingListener(const PingListener&) = delete;
    PingListener& operator=(const PingListener&) = delete;
    [[nodiscard]] std::string url(const std::string& path) const;
    [[nodiscard]] std::vector<PingRequest> requests();

private:
    void serve();
    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::mutex mu_;
    std::vector<PingRequest> got_;
    std::thread thread_;
};
