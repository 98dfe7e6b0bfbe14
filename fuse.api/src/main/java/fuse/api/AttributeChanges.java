package fuse.api;

/**
 * What a {@code setattr} changes: a {@code null} component is left alone. A time that is not {@code null} is
 * either a value or {@link TimeSpec#NOW}; {@code UTIME_OMIT} is a {@code null} time.
 *
 * @param killPrivileges the kernel asks the server to clear set-user-ID/set-group-ID (and file capabilities)
 *        as part of this change, because an unprivileged caller truncates or changes owner
 *        ({@code FATTR_KILL_SUIDGID} under {@code FUSE_HANDLE_KILLPRIV_V2})
 */
public record AttributeChanges(
        Integer mode,
        Integer uid,
        Integer gid,
        Long size,
        TimeSpec atime,
        TimeSpec mtime,
        TimeSpec ctime,
        boolean killPrivileges) {

    public static final AttributeChanges NONE = new AttributeChanges(null, null, null, null, null, null, null, false);

    public AttributeChanges withMode(int newMode) {
        return new AttributeChanges(newMode, uid, gid, size, atime, mtime, ctime, killPrivileges);
    }

    public AttributeChanges withOwner(Integer newUid, Integer newGid) {
        return new AttributeChanges(mode, newUid, newGid, size, atime, mtime, ctime, killPrivileges);
    }

    public AttributeChanges withSize(long newSize) {
        return new AttributeChanges(mode, uid, gid, newSize, atime, mtime, ctime, killPrivileges);
    }

    public AttributeChanges withTimes(TimeSpec newAtime, TimeSpec newMtime) {
        return new AttributeChanges(mode, uid, gid, size, newAtime, newMtime, ctime, killPrivileges);
    }
}
