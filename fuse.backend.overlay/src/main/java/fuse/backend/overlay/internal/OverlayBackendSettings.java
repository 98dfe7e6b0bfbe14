package fuse.backend.overlay.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

import fuse.api.policy.PassthroughPolicySettings;

/**
 * The overlay backend's settings, as they appear in a mount's configuration (factory PID {@code fuse.mount}, next
 * to the mount's own keys). Published as the Metatype OCD {@value #OCD}; the backend service names it in its
 * {@code fuse.backend.settings} property. Parsing and error messages: {@link Settings}; checks of the directories:
 * {@link Layers}.
 */
@ObjectClassDefinition(
        id = OverlayBackendSettings.OCD,
        name = "FUSE overlay backend",
        description = "A union of read-only lower directories under one writable upper directory, with the on-disk "
                + "format of Linux overlayfs (whiteouts, opaque directories, copy-up through the work directory): "
                + "the same directories mount with the kernel's overlayfs (index=off, redirect_dir=off, "
                + "metacopy=off) and the other way round; layers the kernel wrote with redirect_dir=on, "
                + "metacopy=on and index=on are read too. The passthrough policy decides on top of the overlay's own "
                + "rules: an open for writing passes the upper file through (after copy-up), a read-only open the "
                + "file of the layer it is in; while a lower file is passed through, opens of its upper copy are "
                + "served. Changing the policy applies to new opens at once; any other change needs a remount.")
interface OverlayBackendSettings extends PassthroughPolicySettings {
    String OCD = "fuse.backend.overlay";

    @AttributeDefinition(
            name = "Lower directories",
            description = "The read-only layers, top first (the first hides the ones after it): absolute paths, as "
                    + "a list or as one string separated by ':' like the kernel's option ('\\:' for a ':' in a "
                    + "name). Never modified. No layer may be inside another.",
            cardinality = Integer.MAX_VALUE)
    String[] lowerdir();

    @AttributeDefinition(
            name = "Upper directory",
            description = "The writable layer that receives every change (absolute path). Leave empty, together "
                    + "with the work directory, for a read-only overlay.",
            required = false)
    String upperdir();

    @AttributeDefinition(
            name = "Work directory",
            description = "An empty directory on the same file system as the upper directory, outside it "
                    + "(absolute path): copy-ups and whiteouts are prepared in its 'work' subdirectory, which is "
                    + "emptied when the overlay opens.",
            required = false)
    String workdir();

    @AttributeDefinition(
            name = "User xattrs",
            description = "Keep overlay metadata (opaque directories) in user.overlay.* instead of "
                    + "trusted.overlay.*, as the kernel's userxattr option: for servers without CAP_SYS_ADMIN. "
                    + "The kernel must then be mounted with userxattr too.",
            required = false,
            defaultValue = "false")
    boolean userxattr();

    @AttributeDefinition(
            name = "Redirects",
            description = "Directories kernel overlayfs renamed with redirect_dir=on carry a redirect to the lower "
                    + "directory they merge with: off (default) and follow follow them, as the kernel does by "
                    + "default; nofollow refuses such directories (EPERM). Never followed with userxattr. This "
                    + "overlay writes no redirects (on is refused): renaming a merged directory answers EXDEV.",
            required = false,
            options = {
                @Option(value = "off", label = "off: follow redirects, write none (default)"),
                @Option(value = "follow", label = "follow: the same"),
                @Option(value = "nofollow", label = "nofollow: refuse redirected directories")
            },
            defaultValue = "off")
    String redirect__dir();

    @AttributeDefinition(
            name = "Metadata-only copies",
            description = "on serves the metadata-only copies kernel overlayfs makes with metacopy=on (an upper "
                    + "file with new owner, mode or xattrs) with the content of their lower file, and copies the "
                    + "data at the first write; off (default, as the kernel) refuses them with EPERM. Turn on only "
                    + "for layers you trust: such a file can show any lower file's content with other owners and "
                    + "modes. This overlay's own copy-ups always copy the data.",
            required = false,
            options = {
                @Option(value = "off", label = "off: refuse metadata-only copies (default)"),
                @Option(value = "on", label = "on: read them")
            },
            defaultValue = "off")
    String metacopy();

    @AttributeDefinition(
            name = "Index",
            description = "on reads the index kernel overlayfs keeps with index=on (workdir/index): a lower hard "
                    + "link it copied up through one name shows that copy under its other names too, and a rename "
                    + "links it there first. This overlay adds no index entries: its own copy-ups of lower hard "
                    + "links copy each name by itself, as with index=off (default), which leaves the index alone.",
            required = false,
            options = {
                @Option(value = "off", label = "off: leave the index alone (default)"),
                @Option(value = "on", label = "on: read it")
            },
            defaultValue = "off")
    String index();

    @AttributeDefinition(
            name = "Volatile",
            description = "fsync and fsyncdir do not reach the upper layer (kernel overlayfs's and fuse-overlayfs's "
                    + "volatile): faster, but a crash may lose recent writes. While mounted, the work directory "
                    + "carries the kernel's work/incompat/volatile mark; a clean unmount syncs the upper file "
                    + "system and removes it, and layers that still carry it are refused, as by the kernel.",
            required = false,
            defaultValue = "false")
    boolean volatile$();

    @AttributeDefinition(
            name = "Squash to root",
            description = "Show every file as owned by user and group 0 (fuse-overlayfs's squash_to_root); the "
                    + "files keep their owners on disk, and permission checks use the shown ones.",
            required = false,
            defaultValue = "false")
    boolean squash__to__root();

    @AttributeDefinition(
            name = "Squash to uid",
            description = "Show every file as owned by this user id (fuse-overlayfs's squash_to_uid); on disk "
                    + "nothing changes.",
            required = false)
    long squash__to__uid();

    @AttributeDefinition(
            name = "Squash to gid",
            description = "Show every file with this group id (fuse-overlayfs's squash_to_gid); on disk nothing "
                    + "changes.",
            required = false)
    long squash__to__gid();

    @AttributeDefinition(
            name = "User id mapping",
            description = "fuse-overlayfs's uidmapping: ranges host:shown:count (':' or ',' between them, e.g. "
                    + "1000:0:1:100000:1:65536): a file owned by a host id is shown with the matching id, and the "
                    + "ids callers give (new files, chown) are stored back the same way; ids outside every range "
                    + "are the overflow id 65534. squash_to_* come first. ACL entries are not mapped.",
            required = false)
    String uidmapping();

    @AttributeDefinition(
            name = "Group id mapping",
            description = "fuse-overlayfs's gidmapping, as uidmapping for groups.",
            required = false)
    String gidmapping();
}
