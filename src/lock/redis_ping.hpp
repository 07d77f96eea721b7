#pragma once
// PING one Redis server from this machine (the cluster preflight's Redis check, docs/preflight.md "Redis"):
// resolve its host here first, connect with AUTH and SELECT, expect PONG. The password is used for AUTH
// only; no message names the host, the URL or the password (the caller names the variable and the node).
#include "lock/redis_client.hpp"

namespace ncbctl::lock {

// ok: PONG. NotFound: the host does not resolve here. Timeout, Unreachable (refused, reset), Auth (the
// password refused), Protocol (an answer that is not PONG).
Status ping_redis(RedisEndpoint endpoint, const Deadline& deadline);

}  // namespace ncbctl::lock
