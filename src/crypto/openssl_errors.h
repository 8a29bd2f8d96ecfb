// Internal to src/crypto: turns OpenSSL's per-thread error queue into text.
//
// OpenSSL reports failures by pushing entries onto a thread-local queue. The
// earliest entry names the root cause ("wrong tag", "no start line"); later
// ones only add the call path. Functions in this folder clear the queue
// before an operation whose errors they report, so a stale entry from an
// unrelated earlier call never ends up in a message.
#pragma once

#include <string>
#include <string_view>

namespace coffer::crypto::internal {

// Empties this thread's OpenSSL error queue.
void ClearOpenSslErrors();

// Empties this thread's queue and returns the reason of its earliest entry,
// with the entry's extra data if any ("unsupported (Global default library
// context, Algorithm ...)"). Returns `fallback` when the queue was empty.
std::string TakeOpenSslError(std::string_view fallback = "no OpenSSL detail");

// For operations that cannot fail on a valid object (hashing, encoding a
// key this process holds) unless libcrypto is broken or memory is gone: an
// impossible state, so the process stops with a message instead of
// returning a value no caller could handle.
[[noreturn]] void DieBecauseLibcryptoFailed(std::string_view operation);

}  // namespace coffer::crypto::internal
