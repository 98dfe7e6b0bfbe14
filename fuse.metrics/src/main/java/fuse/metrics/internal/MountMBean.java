package fuse.metrics.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

import fuse.metrics.MetricFamily;
import fuse.metrics.MountMetrics;
import fuse.metrics.Sample;
import fuse.mount.FuseMount;

/**
 * One mount as a read-only MBean: its metrics from {@link MountMetrics}, one attribute per sample, named as in
 * Prometheus without the {@code mountpoint} label ({@code fuse_requests_total{opcode=READ}}), plus the mount's
 * state, backend, protocol and transport as text. Read at each access, so jconsole's refresh shows live figures.
 */
final class MountMBean implements DynamicMBean {
    /** The ObjectName domain of every MBean of this project. */
    static final String DOMAIN = "fuse";

    private final FuseMount mount;

    MountMBean(FuseMount mount) {
        this.mount = mount;
    }

    /** {@code fuse:type=Mount,name=<configuration PID>,mountpoint="<path>"}. */
    static ObjectName objectName(FuseMount mount) throws MalformedObjectNameException {
        return new ObjectName(DOMAIN + ":type=Mount,name=" + ObjectName.quote(mount.name()) + ",mountpoint="
                + ObjectName.quote(mount.mountpoint().toString()));
    }

    /** Attribute names to values, in the model's order. */
    Map<String, Object> attributes() {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("Mountpoint", mount.mountpoint().toString());
        attributes.put("State", mount.state().name());
        attributes.put("Backend", mount.backendName().orElse(""));
        attributes.put("Protocol", mount.init().map(i -> i.protocol()).orElse(""));
        attributes.put("Transport", mount.init().map(i -> i.transport().key()).orElse(""));
        attributes.put("Problem", mount.problem().orElse(""));
        List<MetricFamily> families = MountMetrics.collect(List.of(mount));
        for (MetricFamily family : families) {
            if (family.name().equals("fuse_mount_info")) {
                continue; // its labels are the text attributes above
            }
            boolean seconds = family.name().contains("seconds");
            for (Sample sample : family.samples()) {
                String name = family.name() + sample.suffix() + labelSuffix(sample.labels());
                boolean fractional = seconds && !sample.suffix().equals("_count");
                attributes.put(name, fractional ? (Object) sample.value() : (Object) (long) sample.value());
            }
        }
        return attributes;
    }

    private static String labelSuffix(Map<String, String> labels) {
        String inner = labels.entrySet().stream().filter(e -> !e.getKey().equals("mountpoint"))
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
        return inner.isEmpty() ? "" : "{" + inner + "}";
    }

    @Override
    public Object getAttribute(String attribute) throws AttributeNotFoundException {
        Object value = attributes().get(attribute);
        if (value == null) {
            throw new AttributeNotFoundException(attribute + " (not kept for this mount, or not seen yet)");
        }
        return value;
    }

    @Override
    public AttributeList getAttributes(String[] names) {
        Map<String, Object> all = attributes();
        AttributeList list = new AttributeList();
        for (String name : names) {
            if (all.containsKey(name)) {
                list.add(new Attribute(name, all.get(name)));
            }
        }
        return list;
    }

    @Override
    public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
        throw new AttributeNotFoundException(attribute.getName() + " is read-only: change mounts with the fuse: commands");
    }

    @Override
    public AttributeList setAttributes(AttributeList attributes) {
        return new AttributeList();
    }

    @Override
    public Object invoke(String actionName, Object[] params, String[] signature) {
        throw new UnsupportedOperationException(actionName + ": this MBean has no operations");
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        MBeanAttributeInfo[] infos = attributes().entrySet().stream()
                .map(e -> new MBeanAttributeInfo(e.getKey(), e.getValue().getClass().getName(), e.getKey(), true,
                        false, false))
                .toArray(MBeanAttributeInfo[]::new);
        return new MBeanInfo(getClass().getName(), "FUSE mount " + mount.mountpoint(), infos, null, null, null);
    }
}
