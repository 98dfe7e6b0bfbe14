package fuse.backend.local.internal;

import java.util.LinkedHashSet;
import java.util.Set;

import fuse.api.MountContext;

/** What one batch of a watch's events changed behind the mount, each notification once. */
final class WatchChanges {
    final Set<NamedEntry> entries = new LinkedHashSet<>();
    final Set<LocalNode> attributes = new LinkedHashSet<>();
    final Set<LocalNode> data = new LinkedHashSet<>();
    boolean overflow;

    record NamedEntry(LocalNode dir, String name) {
    }

    /**
     * A name created, removed or renamed in {@code dir}: the name goes, and with the directory's attributes its
     * "data", the listing the kernel keeps (it opens directories itself while the mount is watched).
     */
    void nameChanged(LocalNode dir, String name) {
        entries.add(new NamedEntry(dir, name));
        data.add(dir);
    }

    void clear() {
        entries.clear();
        attributes.clear();
        data.clear();
        overflow = false;
    }

    /**
     * Hands the notifications to the mount: data and attributes first, then names. The kernel drops a listing or
     * attributes without a lock, but a name only with its directory's lock held; so a name notification that waits
     * behind a directory in use never holds up a listing's.
     */
    void send(MountContext mount) {
        if (overflow) {
            mount.invalidateAll();
            return;
        }
        attributes.removeAll(data);
        for (LocalNode node : data) {
            mount.invalidateAttributes(node, true);
        }
        for (LocalNode node : attributes) {
            mount.invalidateAttributes(node, false);
        }
        for (NamedEntry entry : entries) {
            mount.invalidateEntry(entry.dir, entry.name);
        }
    }
}
