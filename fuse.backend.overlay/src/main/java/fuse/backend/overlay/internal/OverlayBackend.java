package fuse.backend.overlay.internal;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;

import fuse.api.FileSystem;
import fuse.api.FileSystemBackend;
import fuse.api.FuseException;
import fuse.api.MountContext;

/**
 * The {@code overlay} backend: each mount bound to it gets an {@link OverlayFileSystem} over the layers its
 * configuration names ({@code lowerdir}, {@code upperdir}, {@code workdir}, {@code userxattr}). The service
 * property {@value FileSystemBackend#SETTINGS} names the Metatype OCD that describes those settings:
 * {@code metaType.getMetaTypeInformation(backendBundle).getObjectClassDefinition("fuse.backend.overlay", null)}.
 */
@Component(
        service = FileSystemBackend.class,
        configurationPid = OverlayBackendSettings.OCD,
        configurationPolicy = ConfigurationPolicy.IGNORE,
        property = {
    FileSystemBackend.NAME + "=" + OverlayBackend.NAME,
    FileSystemBackend.SETTINGS + "=" + OverlayBackendSettings.OCD,
    "service.description=Union of read-only lower directories under a writable upper one, kernel overlayfs format"
})
// Publishes the settings' OCD under a factory PID so MetaTypeService can find it. The backend reads no
// configuration of its own (policy IGNORE): each mount's configuration carries these settings.
@Designate(ocd = OverlayBackendSettings.class, factory = true)
public final class OverlayBackend implements FileSystemBackend {
    static final String NAME = "overlay";

    @Override
    public FileSystem open(MountContext mount) throws FuseException {
        return OverlayFileSystem.open(Settings.parse(mount.configuration()), mount.mountpoint());
    }
}
