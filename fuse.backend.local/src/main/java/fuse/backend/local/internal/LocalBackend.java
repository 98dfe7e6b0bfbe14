package fuse.backend.local.internal;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.event.Level;

import fuse.api.FileSystem;
import fuse.api.FileSystemBackend;
import fuse.api.FuseException;
import fuse.api.MountContext;

/**
 * The {@code local} backend: each mount bound to it gets a {@link LocalFileSystem} over the host directory its
 * configuration names ({@code root}), with the passthrough policy of {@code policy}/{@code rules}. The service
 * property {@value FileSystemBackend#SETTINGS} names the Metatype OCD that describes those settings:
 * {@code metaType.getMetaTypeInformation(backendBundle).getObjectClassDefinition("fuse.backend.local", null)}.
 */
@Component(
        service = FileSystemBackend.class,
        configurationPid = LocalBackendSettings.OCD,
        configurationPolicy = ConfigurationPolicy.IGNORE,
        property = {
    FileSystemBackend.NAME + "=" + LocalBackend.NAME,
    FileSystemBackend.SETTINGS + "=" + LocalBackendSettings.OCD,
    "service.description=Mirrors a host directory with a per-file passthrough policy"
})
// Publishes the settings' OCD under a factory PID so MetaTypeService can find it. The backend reads no
// configuration of its own (policy IGNORE): each mount's configuration carries these settings.
@Designate(ocd = LocalBackendSettings.class, factory = true)
public final class LocalBackend implements FileSystemBackend {
    static final String NAME = "local";

    @Override
    public FileSystem open(MountContext mount) throws FuseException {
        LocalFileSystem fs = LocalFileSystem.open(Settings.parse(mount.configuration()),
                mount.rehearsal() ? Level.DEBUG : Level.INFO);
        try {
            fs.watch(mount);
        } catch (FuseException | RuntimeException e) {
            fs.close();
            throw e;
        }
        return fs;
    }
}
