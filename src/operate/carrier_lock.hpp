// Who carries out the journal's requests, as a lock on state_dir/carrier.lock
// (flock(2)). The daemon holds it exclusively for as long as it runs; a
// carrier that a hook starts when no daemon runs holds it shared while it
// works, beside other such carriers. Whoever holds it exclusively knows that
// no other carrier lives, so a request the journal shows running was left so
// by one that died — slurmscriptd's kill of a hook's process group after the
// largest Resume/SuspendTimeout (Slurm 23.02 and later), a restart of
// slurmctld's service, kill -9 — and can go back to pending without being
// carried out twice at once. The kernel drops a dead process's lock, whatever
// killed it.
#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

#include "store/journal.hpp"

namespace slumber::operate {

class CarrierLock {
  public:
    /// Opens (or creates, mode 0640: flock needs only read access) the lock
    /// file; holds nothing yet.
    static std::expected<CarrierLock, std::string> open(const std::filesystem::path& file);
    ~CarrierLock();
    CarrierLock(CarrierLock&& other) noexcept;
    CarrierLock& operator=(CarrierLock&&) = delete;
    CarrierLock(const CarrierLock&) = delete;
    CarrierLock& operator=(const CarrierLock&) = delete;

    /// Takes it exclusively, or changes a shared hold to exclusive, if no
    /// one else holds it. False otherwise, and then this one holds nothing:
    /// flock(2) drops the old hold before it asks for the new one.
    bool try_exclusive();
    /// Takes it shared, or changes an exclusive hold to shared, unless
    /// someone else holds it exclusively (false: nothing held, as above).
    bool try_shared();
    void release();

  private:
    explicit CarrierLock(int fd) : m_fd(fd) {}
    int m_fd = -1;
};

/// With the lock held exclusively: the requests the journal shows running
/// were left so by a carrier that died; they go back to pending, and a
/// "restart" event says that `who` ("the daemon", "a hook's carrier")
/// carries them out again, and who left them when `left_by` is given
/// (left_running_by()). With `handed_over`, the daemon of one of several
/// controllers hands them over instead (docs/ha.md), and the event says so
/// rather than that they are carried out. Returns how many.
store::DbResult<int> take_back_left_running(store::Journal& journal, std::string_view who, store::TimeMs now,
                                            std::string_view left_by = {}, bool handed_over = false);

/// Who left requests running, for a daemon that starts (every hook's
/// carrier has finished: the daemon waits for them), from the journal: "a
/// daemon that died" when the latest daemon-start has no daemon-stop after
/// it and no hook handed work to a carrier of its own (no-daemon) nor took
/// back leftovers (restart) since; else "a hook's carrier that died". A
/// journal that cannot be read: "a carrier that died".
std::string left_running_by(const store::Journal& journal);

}  // namespace slumber::operate
