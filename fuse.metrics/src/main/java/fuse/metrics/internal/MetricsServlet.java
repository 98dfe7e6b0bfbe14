package fuse.metrics.internal;

import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import fuse.metrics.MountMetrics;
import fuse.metrics.PrometheusText;
import fuse.mount.FuseMount;

/**
 * {@code GET /metrics}: every mount's metrics in the Prometheus text format, through the OSGi HTTP whiteboard
 * (Felix HTTP, which listens only once configured). Read-only, so unauthenticated like any Prometheus target;
 * bind the HTTP service to loopback (the default) or a trusted network.
 */
@Component(service = Servlet.class, property = {
    "osgi.http.whiteboard.servlet.pattern=/metrics",
    "osgi.http.whiteboard.servlet.name=fuse-metrics"})
public final class MetricsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final List<FuseMount> mounts = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addMount(FuseMount mount) {
        mounts.add(mount);
    }

    void removeMount(FuseMount mount) {
        mounts.remove(mount);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType(PrometheusText.CONTENT_TYPE);
        response.setHeader("Cache-Control", "no-store");
        try (Writer out = response.getWriter()) {
            PrometheusText.write(MountMetrics.collect(mounts), out);
        }
    }
}
