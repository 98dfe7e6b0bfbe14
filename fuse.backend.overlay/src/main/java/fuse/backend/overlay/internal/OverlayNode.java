package fuse.backend.overlay.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

import fuse.api.Attributes;
import fuse.api.FileType;
import fuse.api.FuseException;
import fuse.api.Node;

/**
 * An overlay object: a file or directory of the merged view, with the layer files it is made of. It knows its
 * current layer: {@link #upper} is set once the object is (or has been copied) in the upper layer, after which
 * every read of its attributes and every new open goes there; until then {@link #lower} (a non-directory) or the
 * top of {@link #lowerDirs} (a directory) is its file.
 *
 * <p>Nodes are interned by {@link NodeTable}, so equal nodes are the same object and identity is equality. The
 * reported inode number is fixed at creation (see {@link NodeTable}) and survives copy-up.
 *
 * <p>{@link #parent} and {@link #name} say where the object is in the merged tree: copy-up recreates it there in
 * the upper layer. They only change by a rename, which never happens to an object that is not yet in the upper
 * layer (a rename copies up first), so a lower object's place is stable.
 */
final class OverlayNode implements Node {
    final long serial;
    final FileType type;
    final long inode;
    /** Non-directories: the topmost lower file the object was found as (its copy-up origin), or {@code null}. */
    final RealFile lower;
    /** Directories: the lower directories merged under this one, top first; empty for pure upper directories. */
    final List<RealFile> lowerDirs;
    /**
     * A metadata-only copy ({@code overlay.metacopy}): the lower file that holds its content, read by read-only
     * opens and copied by copy-up; {@code null} once the content is in {@link #real()} (or always, for other
     * objects). Cleared under {@link #lock}.
     */
    volatile RealFile data;
    /** How owners are shown ({@code squash_to_*}, {@code uidmapping}, {@code gidmapping}). */
    private final Owners shown;
    /** Serializes copy-up of this node and the open decisions that depend on its layer. */
    final ReentrantLock lock = new ReentrantLock();

    volatile OverlayNode parent;
    volatile String name;
    volatile RealFile upper;

    /**
     * Directories: how many copy-ups have been renamed into this directory's upper directory. A lookup reads it
     * before it resolves a name without the namespace lock: if it changed by the time the resolution (lower files
     * only) is interned, a copy-up may have made that resolution stale (see {@link Namespace#find}). Changed only
     * under the namespace lock, after the rename.
     */
    volatile long copyUpsPlaced;

    /**
     * Directories: whether the last lookup in this one found a node the table already held, so the next one likely
     * will too (see {@link Namespace#find}). A hint: racing lookups may overwrite each other's answer.
     */
    boolean lookupsFindKnown;

    /** Read-only opens answered with a passthrough of {@link #lower}, still live; guarded by {@link #lock}. */
    int lowerPassthroughOpens;

    /** Guarded by the table: references held by the mount and by running operations, plus one per live child. */
    long references;
    /** Guarded by the table: the references of {@link #references} handed to the mount in entries. */
    long mountReferences;
    /** Guarded by the table: the keys this node is registered under. */
    final List<Object> keys = new ArrayList<>(2);

    OverlayNode(long serial, FileType type, long inode, OverlayNode parent, String name, RealFile upper,
            RealFile lower, List<RealFile> lowerDirs, RealFile data, Owners shown) {
        this.serial = serial;
        this.type = type;
        this.inode = inode;
        this.parent = parent;
        this.name = name;
        this.upper = upper;
        this.lower = lower;
        this.lowerDirs = List.copyOf(lowerDirs);
        this.data = data;
        this.shown = shown;
    }

    /** The file with the object's content: {@link #data} for a metadata-only copy, else {@link #real()}. */
    RealFile content() {
        RealFile d = data;
        return d != null ? d : real();
    }

    boolean isDirectory() {
        return type == FileType.DIRECTORY;
    }

    /** Where the object is in the merged tree, relative to its root ({@code ""} for the root). */
    String path() {
        StringBuilder path = new StringBuilder(name);
        for (OverlayNode p = parent; p != null && p.parent != null; p = p.parent) {
            path.insert(0, '/').insert(0, p.name);
        }
        return path.toString();
    }

    /** The file that answers for this object now: upper when there is one. */
    RealFile real() {
        RealFile u = upper;
        if (u != null) {
            return u;
        }
        return lower != null ? lower : lowerDirs.get(0);
    }

    /**
     * A directory with lower layers: merged ("merge" in the kernel's words) or lower-only. Such a directory cannot
     * be renamed without redirects, and removing it must leave a whiteout.
     */
    boolean hasLowerDirs() {
        return !lowerDirs.isEmpty();
    }

    /**
     * The attributes the overlay shows: {@link #realAttributes()} with the owner and group as {@link Owners} shows
     * them (permission checks use these too, as the kernel's {@code default_permissions} does).
     */
    Attributes attributes() throws FuseException {
        return shown(realAttributes());
    }

    /** {@link #attributes()} from the attributes of the object's current file, just read. */
    Attributes attributes(Attributes file) throws FuseException {
        return shown(realAttributes(file));
    }

    /** Attributes as stored, with the owner and group as {@link Owners} shows them. */
    Attributes shown(Attributes a) {
        if (!shown.changes()) {
            return a;
        }
        return a.toBuilder().owner(shown.shownUid(a.uid()), shown.shownGid(a.gid())).build();
    }

    /**
     * The attributes of the object's current file with the node's stable number; merged directories report one
     * link, as the kernel does (counting subdirectories across layers is not worth it; find copes).
     */
    Attributes realAttributes() throws FuseException {
        return realAttributes(real().stat().attributes());
    }

    /** {@link #realAttributes()} from the attributes of the object's current file, just read. */
    Attributes realAttributes(Attributes a) throws FuseException {
        int links = a.linkCount();
        if (isDirectory() && (upper != null ? hasLowerDirs() : lowerDirs.size() > 1)) {
            links = 1;
        }
        Attributes.Builder b = a.toBuilder().inode(inode).linkCount(links);
        RealFile d = data;
        if (d != null) {
            b.blocks(d.stat().attributes().blocks()); // a metadata-only copy uses its data's space, as the kernel says
        }
        return b.build();
    }

    /** The layer descriptors this node holds. */
    int descriptorCount() {
        return (upper != null ? 1 : 0) + (lower != null ? 1 : 0) + lowerDirs.size();
    }

    void closeFiles() {
        RealFile u = upper;
        if (u != null) {
            u.close();
        }
        if (lower != null) {
            lower.close();
        }
        lowerDirs.forEach(RealFile::close);
        RealFile d = data;
        if (d != null) {
            d.close();
        }
    }

    @Override
    public String toString() {
        return "OverlayNode[" + serial + " " + name + " " + type + " ino " + inode + " " + real() + "]";
    }
}
