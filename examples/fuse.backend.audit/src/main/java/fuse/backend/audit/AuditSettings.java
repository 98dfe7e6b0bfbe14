package fuse.backend.audit;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import fuse.posix.nodes.HostRootSettings;

/**
 * The settings a mount's configuration gives this backend, next to the mount's own keys. Published through
 * Metatype so that consoles can describe and type them; {@link Settings} reads them. {@code root}, the host
 * directory, is declared once for every backend that serves one ({@code fuse.posix.nodes}).
 */
@ObjectClassDefinition(id = AuditSettings.PID, name = "FUSE audit backend (example)",
        description = "Serves a host directory. Opens of files whose name matches 'audit' are logged and served "
                + "in Java; every other file is passed through to the kernel.")
interface AuditSettings extends HostRootSettings {
    String PID = "fuse.backend.audit";

    @AttributeDefinition(name = "Audited files", description = "Glob on file names whose opens are logged and "
            + "served in Java, e.g. *.log or *.{key,pem}.", defaultValue = Settings.DEFAULT_AUDIT)
    String audit();

    @AttributeDefinition(name = "Writable", description = "Allow writes, creates, renames and removals. Off by "
            + "default: the backend serves the directory read-only.", defaultValue = "false")
    boolean writable();
}
