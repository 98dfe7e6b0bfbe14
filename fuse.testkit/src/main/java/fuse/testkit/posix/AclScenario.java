package fuse.testkit.posix;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import fuse.posix.Linux;
import fuse.posix.Posix;

/**
 * The POSIX ACL scenario for {@code probe.py} ({@link Python#probe}): a root-owned tree ({@link #populate}), the ACLs
 * set on it as root ({@link #SETUP}), what an ordinary user (uid 65534) then does ({@link #AS_NOBODY}) and what the
 * host answers to it ({@link #EXPECTED}). A test runs it on a host directory and through an {@code allow_other}
 * mount and compares the results line by line ({@link ProbeResults}).
 */
public final class AclScenario {
    /** As root, on each side: files and directories whose ACLs deny, grant, mask, and a default ACL to inherit. */
    public static final List<String> SETUP = List.of(
            "setacl denied u::rw-,u:65534:---,g::r--,m::r--,o::r--",
            "setacl granted u::rw-,u:65534:rw-,g::---,m::rw-,o::---",
            "setacl masked u::rw-,u:65534:rw-,g::---,m::r--,o::---",
            "setacl inherit u::rwx,u:65534:rwx,g::r-x,m::rwx,o::r-x",
            "setdefacl inherit u::rwx,u:65534:rwx,g::r-x,m::rwx,o::r-x",
            "setacl chmodme u::rw-,u:1000:rw-,g::r--,m::rw-,o::r--");

    /** As uid 65534 with umask 022. */
    public static final List<String> AS_NOBODY = List.of(
            "read denied", "access denied r", "getacl denied", "setacl denied u::rw-,g::r--,o::r--",
            "read granted", "write granted x", "access granted w", "read masked", "write masked x",
            "access masked w",
            "create inherit/f 0666", "mode inherit/f", "getacl inherit/f", "write inherit/f x",
            "mkdir inherit/d 0777", "mode inherit/d", "getacl inherit/d", "getdefacl inherit/d",
            "mkfifo inherit/p 0666", "mode inherit/p", "getacl inherit/p",
            "create inherit/d/deeper 0640", "mode inherit/d/deeper", "getacl inherit/d/deeper",
            "create plain/f 0666", "mode plain/f", "getacl plain/f", "mkdir plain/d 0777", "mode plain/d",
            "mode sgid", "setacl sgid u::rwx,u:1000:r-x,g::r-x,m::r-x,o::r-x", "mode sgid", "getacl sgid",
            "chmod chmodme 0640", "mode chmodme", "getacl chmodme",
            "setacl plain/f u::rw-,u:1000:rw-,g::r--,m::rw-,o::---", "getacl plain/f", "mode plain/f",
            "rmacl plain/f", "getacl plain/f", "mode plain/f");

    /** What the host gives {@link #AS_NOBODY}: the comparison means something only if these hold. */
    public static final String[] EXPECTED = {
        "read denied -> EACCES", "read granted -> OK granted", "write masked x -> EACCES",
        "read masked -> OK masked", "setacl denied u::rw-,g::r--,o::r-- -> EPERM",
        // inherited: mode & default ACL, the umask (022) left out
        "mode inherit/f -> OK 0o100664", "getacl inherit/f -> OK u::rw-,u:65534:rwx,g::r-x,m::rw-,o::r--",
        "mode inherit/d -> OK 0o40775", "getdefacl inherit/d -> OK u::rwx,u:65534:rwx,g::r-x,m::rwx,o::r-x",
        "mode inherit/d/deeper -> OK 0o100640",
        // no default ACL: the umask applies
        "mode plain/f -> OK 0o100644", "getacl plain/f -> OK none", "mode plain/d -> OK 0o40755",
        // set-group-ID goes when a user outside the group sets an ACL; chmod moves the mask
        "mode sgid -> OK 0o102775", "mode sgid -> OK 0o100755",
        "getacl chmodme -> OK u::rw-,u:1000:rw-,g::r--,m::r--,o::---"};

    /** The same root-owned tree on both sides, before any ACL ({@link #SETUP}). */
    public static Path populate(Path dir) throws Exception {
        Files.createDirectory(dir);
        mode(dir, 0755);
        mode(Files.writeString(dir.resolve("denied"), "denied"), 0644);
        mode(Files.writeString(dir.resolve("granted"), "granted"), 0600);
        mode(Files.writeString(dir.resolve("masked"), "masked"), 0600);
        mode(Files.createDirectory(dir.resolve("inherit")), 0755);
        mode(Files.createDirectory(dir.resolve("plain")), 0777);
        Path sgid = Files.writeString(dir.resolve("sgid"), "sgid");
        Posix.fchownat(Linux.AT_FDCWD, sgid.toString(), 65534, 0, 0); // nobody's file in a group it is not in
        mode(sgid, 02775);
        Path chmodme = Files.writeString(dir.resolve("chmodme"), "chmodme");
        Posix.fchownat(Linux.AT_FDCWD, chmodme.toString(), 65534, 65534, 0);
        return dir;
    }

    private static Path mode(Path path, int mode) throws Exception {
        Posix.fchmodat(Linux.AT_FDCWD, path.toString(), mode, 0);
        return path;
    }

    private AclScenario() {
    }
}
