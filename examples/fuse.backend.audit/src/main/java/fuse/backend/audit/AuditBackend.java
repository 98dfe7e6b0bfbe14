package fuse.backend.audit;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;

import fuse.api.FileSystem;
import fuse.api.FileSystemBackend;
import fuse.api.FuseException;
import fuse.api.MountContext;

/**
 * The {@code audit} backend: a DS component registered as {@link FileSystemBackend} with the name a mount's
 * {@code backend} key refers to. Each mount bound to it gets its own {@link AuditFileSystem}, built from the
 * settings in that mount's configuration; the backend itself holds nothing.
 */
@Component(service = FileSystemBackend.class, configurationPolicy = ConfigurationPolicy.IGNORE,
        configurationPid = AuditSettings.PID, property = {
    FileSystemBackend.NAME + "=" + AuditBackend.NAME,
    // Lets fuse:mount/fuse:swap type key=value settings from the Metatype description below.
    FileSystemBackend.SETTINGS + "=" + AuditSettings.PID,
    "service.description=Serves a host directory; audits opens of one file type, passes the rest through"})
@Designate(ocd = AuditSettings.class, factory = true)
public final class AuditBackend implements FileSystemBackend {
    static final String NAME = "audit";

    @Override
    public FileSystem open(MountContext mount) throws FuseException {
        return AuditFileSystem.open(Settings.parse(mount.configuration()), mount.mountpoint().toString());
    }
}
