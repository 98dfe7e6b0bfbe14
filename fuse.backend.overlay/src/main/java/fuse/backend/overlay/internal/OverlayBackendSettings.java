package fuse.backend.overlay.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

import fuse.api.policy.PassthroughPolicy;

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
                + "metacopy=off) and the other way round. Changing the passthrough policy applies to new opens at once; "
                + "any other change needs a remount.")
@interface OverlayBackendSettings {
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
            required = false)
    boolean userxattr() default false;

    @AttributeDefinition(
            name = "Passthrough policy",
            description = PassthroughPolicy.POLICY_DESCRIPTION + " The overlay's own rules come first: an open "
                    + "for writing passes the upper file through (after copy-up), a read-only open the file of the "
                    + "layer it is in; while a lower file is passed through, opens of its upper copy are served.",
            options = {
                @Option(value = "always", label = "always: every regular file passes through"),
                @Option(value = "never", label = "never: every open is served in Java"),
                @Option(value = "rules", label = "rules: decided per open by the rules setting")
            })
    String policy() default "always";

    @AttributeDefinition(
            name = "Policy rules",
            description = PassthroughPolicy.RULES_DESCRIPTION,
            cardinality = Integer.MAX_VALUE,
            required = false)
    String[] rules() default {};
}
