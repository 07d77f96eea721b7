#pragma once
// lock.backend: redis — the cluster lock as one Redis key, shared by every operator and runner that reaches
// the Redis NocoBase's cluster mode already runs (docs/engine.md#redis).
#include <memory>

#include "ncbctl/inventory.hpp"
#include "ncbctl/lock.hpp"

namespace ncbctl::lock {

// Builds the backend from inventory.lock.redis; nothing connects until the first call. The password
// reference is resolved at the first connection (a missing variable or file is an Inventory error).
std::unique_ptr<LockBackend> make_redis_lock(const Inventory& inv);

// The value stored under the key: "<owner token> <holder JSON>", and its parse (nullopt: not ours to read).
std::string encode_lock_value(const std::string& token, const LockHolder& h);
std::optional<LockHolder> decode_lock_value(std::string_view value);

}  // namespace ncbctl::lock
