package fuse.api;

/**
 * Linux error numbers (x86_64 and aarch64 share them). The single errno type of the project: backends throw
 * {@link FuseException} with one of these, native wrappers map a captured {@code errno} through
 * {@link #of(int)}, and the channel negates the code exactly once when it writes {@code fuse_out_header}.
 */
public enum Errno {
    EPERM(1),
    ENOENT(2),
    ESRCH(3),
    EINTR(4),
    EIO(5),
    ENXIO(6),
    E2BIG(7),
    ENOEXEC(8),
    EBADF(9),
    ECHILD(10),
    EAGAIN(11),
    ENOMEM(12),
    EACCES(13),
    EFAULT(14),
    ENOTBLK(15),
    EBUSY(16),
    EEXIST(17),
    EXDEV(18),
    ENODEV(19),
    ENOTDIR(20),
    EISDIR(21),
    EINVAL(22),
    ENFILE(23),
    EMFILE(24),
    ENOTTY(25),
    ETXTBSY(26),
    EFBIG(27),
    ENOSPC(28),
    ESPIPE(29),
    EROFS(30),
    EMLINK(31),
    EPIPE(32),
    EDOM(33),
    ERANGE(34),
    EDEADLK(35),
    ENAMETOOLONG(36),
    ENOLCK(37),
    ENOSYS(38),
    ENOTEMPTY(39),
    ELOOP(40),
    ENOMSG(42),
    EIDRM(43),
    ENOSTR(60),
    ENODATA(61),
    ETIME(62),
    EOVERFLOW(75),
    EBADFD(77),
    EILSEQ(84),
    EUSERS(87),
    ENOTSOCK(88),
    EMSGSIZE(90),
    EPROTONOSUPPORT(93),
    EOPNOTSUPP(95),
    EAFNOSUPPORT(97),
    EADDRINUSE(98),
    ENETDOWN(100),
    ECONNABORTED(103),
    ECONNRESET(104),
    ENOBUFS(105),
    ENOTCONN(107),
    ETIMEDOUT(110),
    ECONNREFUSED(111),
    EALREADY(114),
    EINPROGRESS(115),
    ESTALE(116),
    EDQUOT(122),
    ECANCELED(125),
    EOWNERDEAD(130),
    ENOTRECOVERABLE(131);

    /** ENOTSUP and EOPNOTSUPP share a value on Linux. */
    public static final Errno ENOTSUP = EOPNOTSUPP;
    /** EWOULDBLOCK and EAGAIN share a value on Linux. */
    public static final Errno EWOULDBLOCK = EAGAIN;
    /** ENOATTR is the BSD name of ENODATA, used by xattr calls. */
    public static final Errno ENOATTR = ENODATA;

    private static final Errno[] BY_CODE = new Errno[256];

    static {
        for (Errno errno : values()) {
            BY_CODE[errno.code] = errno;
        }
    }

    private final int code;

    Errno(int code) {
        this.code = code;
    }

    /** The positive Linux value. */
    public int code() {
        return code;
    }

    /**
     * The constant for a positive Linux errno value; values this enum does not name map to {@link #EIO}, so an
     * unexpected code never escapes as a wrong but plausible error.
     */
    public static Errno of(int code) {
        Errno errno = code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        return errno != null ? errno : EIO;
    }
}
