package fuse.metrics.internal;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fuse.mount.FuseMount;

/**
 * One {@link MountMBean} per mount on the platform MBean server (readable with jconsole, VisualVM, or any JMX
 * client), from the mount service's arrival to its departure. Registering listens on nothing: the JVM's remote
 * JMX agent stays off unless the JVM is started with it.
 */
@Component(immediate = true)
public final class MountMBeans {
    private static final Logger LOG = LoggerFactory.getLogger(MountMBeans.class);

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final Map<FuseMount, ObjectName> registered = new ConcurrentHashMap<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addMount(FuseMount mount) {
        try {
            ObjectName name = MountMBean.objectName(mount);
            server.registerMBean(new MountMBean(mount), name);
            registered.put(mount, name);
        } catch (JMException e) {
            LOG.warn("mount {}: no MBean: {}", mount.mountpoint(), e.toString());
        }
    }

    void removeMount(FuseMount mount) {
        ObjectName name = registered.remove(mount);
        if (name != null) {
            unregister(name);
        }
    }

    @Deactivate
    void deactivate() {
        registered.values().forEach(this::unregister);
        registered.clear();
    }

    private void unregister(ObjectName name) {
        try {
            server.unregisterMBean(name);
        } catch (JMException e) {
            LOG.debug("{} was already gone: {}", name, e.toString());
        }
    }
}
