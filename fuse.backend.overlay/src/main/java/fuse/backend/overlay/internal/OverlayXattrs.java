package fuse.backend.overlay.internal;

import java.nio.charset.StandardCharsets;

import fuse.posix.PosixException;

/**
 * The overlay's own extended attributes, as kernel overlayfs names and reads them: {@code trusted.overlay.*} (or
 * {@code user.overlay.*} with {@code userxattr}) on the layers' files.
 *
 * <p><b>Private and escaped names</b> (Linux 6.7+ semantics, checked on this kernel): on a layer, names under the
 * prefix are overlay metadata ({@code opaque}, {@code origin}, {@code impure}, {@code redirect}, {@code uuid},
 * {@code metacopy}…) and invisible through the overlay, except the <em>escaped</em> ones under
 * {@code prefix + "overlay."}: a user's {@code trusted.overlay.foo} set through the overlay is stored as
 * {@code trusted.overlay.overlay.foo} and read back under its short name. Copy-up copies escaped names and
 * drops the private ones.
 */
final class OverlayXattrs {
    static final String TRUSTED_PREFIX = "trusted.overlay.";
    static final String USER_PREFIX = "user.overlay.";

    /** What a directory's {@code overlay.opaque} says. */
    enum Opacity {
        /** No attribute: the directory merges with the same name in the layers below. */
        NONE,
        /** {@code "y"}: the directory hides the layers below. */
        OPAQUE,
        /**
         * {@code "x"} (6.7+): not opaque, but may hold "xwhiteouts" (regular files marked with
         * {@code overlay.whiteout}); written only by nested overlays, treated as {@link #NONE} here.
         */
        XWHITEOUTS
    }

    private static final byte[] YES = {'y'};

    final String prefix;
    final String escapedPrefix;
    final String opaque;
    final String redirect;
    final String metacopy;

    OverlayXattrs(boolean userxattr) {
        this.prefix = userxattr ? USER_PREFIX : TRUSTED_PREFIX;
        this.escapedPrefix = prefix + "overlay.";
        this.opaque = prefix + "opaque";
        this.redirect = prefix + "redirect";
        this.metacopy = prefix + "metacopy";
    }

    /** Overlay metadata on a layer: never shown, never copied up. */
    boolean isPrivate(String realName) {
        return realName.startsWith(prefix) && !realName.startsWith(escapedPrefix);
    }

    /** The name on the layer for a name the overlay's user gives. */
    String toReal(String visibleName) {
        return visibleName.startsWith(prefix) ? escapedPrefix + visibleName.substring(prefix.length()) : visibleName;
    }

    /** The name the overlay's user sees for a layer's attribute, or {@code null} when it is private. */
    String toVisible(String realName) {
        if (realName.startsWith(escapedPrefix)) {
            return prefix + realName.substring(escapedPrefix.length());
        }
        return realName.startsWith(prefix) ? null : realName;
    }

    /** {@code procPath} is {@code /proc/self/fd/N} of a directory's descriptor. */
    Opacity opacity(String procPath) throws PosixException {
        byte[] value = XattrIo.get(procPath, opaque, true);
        if (value == null || value.length != 1) {
            return Opacity.NONE;
        }
        return switch (value[0]) {
            case 'y' -> Opacity.OPAQUE;
            case 'x' -> Opacity.XWHITEOUTS;
            default -> Opacity.NONE;
        };
    }

    boolean has(String procPath, String name) throws PosixException {
        return XattrIo.get(procPath, name, true) != null;
    }

    /** Marks a directory opaque ({@code follow} as in {@link XattrIo}). */
    void setOpaque(String path, boolean follow) throws PosixException {
        XattrIo.set(path, opaque, YES, 0, follow);
    }

    static String text(byte[] value) {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }
}
