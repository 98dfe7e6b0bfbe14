package fuse.backend.audit;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The settings a mount's configuration gives this backend, next to the mount's own keys. Published through
 * Metatype so that consoles can describe and type them; {@link Settings} reads them.
 */
@ObjectClassDefinition(id = AuditSettings.PID, name = "FUSE audit backend (example)",
        description = "Serves a host directory. Opens of files whose name matches 'audit' are logged and served "
                + "in Java; every other file is passed through to the kernel.")
@interface AuditSettings {
    String PID = "fuse.backend.audit";

    @AttributeDefinition(name = "Root", description = "Absolute path of the host directory to serve.")
    String root();

    @AttributeDefinition(name = "Audited files", description = "Glob on file names whose opens are logged and "
            + "served in Java, e.g. *.log or *.{key,pem}.")
    String audit() default Settings.DEFAULT_AUDIT;

    @AttributeDefinition(name = "Writable", description = "Allow writes, creates, renames and removals. Off by "
            + "default: the backend serves the directory read-only.")
    boolean writable() default false;
}
