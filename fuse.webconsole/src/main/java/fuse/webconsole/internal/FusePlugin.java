package fuse.webconsole.internal;

import java.io.IOException;
import java.io.PrintWriter;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.webconsole.servlet.AbstractServlet;
import org.apache.felix.webconsole.servlet.ServletConstants;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import fuse.api.FileSystemBackend;
import fuse.metrics.MetricFamily;
import fuse.metrics.MountMetrics;
import fuse.metrics.Sample;
import fuse.mount.FuseMount;
import fuse.passthrough.BackingIdInfo;

/**
 * The web console's "FUSE" tab: mounts (state, backend, protocol, transport, passthrough, open files), backends
 * (bundle, version), each mount's figures from the metrics model and its live backing ids, and the actions unmount,
 * swap and passthrough policy. Actions are POSTs carrying the session's token (checked in constant time, with the
 * Origin header when the browser sends one) and run the {@code fuse:} command line through Gogo.
 */
@Component(service = Servlet.class, property = {
    ServletConstants.PLUGIN_LABEL + "=" + FusePlugin.LABEL,
    ServletConstants.PLUGIN_TITLE + "=FUSE",
    ServletConstants.PLUGIN_CATEGORY + "=Main"})
public final class FusePlugin extends AbstractServlet {
    static final String LABEL = "fuse";
    private static final long serialVersionUID = 1L;
    private static final String TOKEN = "fuse.csrf";
    private static final String RESULT = "fuse.result";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final List<String> COLUMNS = List.of("requests", "errors", "p50 (s)", "p90 (s)", "p99 (s)",
            "max (s)", "total (s)");

    private final transient List<FuseMount> mounts = new CopyOnWriteArrayList<>();
    private final transient Map<ServiceReference<FileSystemBackend>, String> backends = new ConcurrentHashMap<>();

    @Reference
    transient CommandProcessor commands;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addMount(FuseMount mount) {
        mounts.add(mount);
    }

    void removeMount(FuseMount mount) {
        mounts.remove(mount);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            service = FileSystemBackend.class)
    void addBackend(ServiceReference<FileSystemBackend> reference) {
        backends.put(reference, String.valueOf(reference.getProperty(FileSystemBackend.NAME)));
    }

    void removeBackend(ServiceReference<FileSystemBackend> reference) {
        backends.remove(reference);
    }

    private List<FuseMount> sortedMounts() {
        return mounts.stream().sorted(Comparator.comparing(m -> m.mountpoint().toString())).toList();
    }

    @Override
    public void renderContent(HttpServletRequest request, HttpServletResponse response) throws IOException {
        HttpSession session = request.getSession(true);
        String token = (String) session.getAttribute(TOKEN);
        if (token == null) {
            byte[] bytes = new byte[24];
            RANDOM.nextBytes(bytes);
            token = HexFormat.of().formatHex(bytes);
            session.setAttribute(TOKEN, token);
        }
        String result = (String) session.getAttribute(RESULT);
        session.removeAttribute(RESULT);
        PrintWriter out = response.getWriter();
        if (result != null) {
            out.println("<pre id='fuse-result' class='ui-state-highlight'>" + Html.escape(result) + "</pre>");
        }
        List<FuseMount> current = sortedMounts();
        List<String> backendNames = backends.values().stream().distinct().sorted().toList();
        renderMounts(out, current, backendNames, token);
        renderBackends(out, current);
        for (FuseMount mount : current) {
            renderStatistics(out, mount);
            renderBackingIds(out, mount);
        }
    }

    private static void renderMounts(PrintWriter out, List<FuseMount> mounts, List<String> backendNames,
            String token) {
        out.println("<h2>Mounts</h2><table id='fuse-mounts' class='nicetable'><thead><tr><th>mountpoint</th>"
                + "<th>state</th><th>backend</th><th>protocol</th><th>transport</th><th>passthrough</th>"
                + "<th>open files</th><th>actions</th></tr></thead><tbody>");
        for (FuseMount mount : mounts) {
            String mountpoint = mount.mountpoint().toString();
            out.println("<tr data-mountpoint='" + Html.escape(mountpoint) + "'><td>" + Html.escape(mountpoint)
                    + "</td><td class='state'>" + mount.state() + "</td><td class='backend'>"
                    + Html.escape(mount.backendName().orElse("-")) + "</td><td>"
                    + Html.escape(mount.init().map(i -> i.protocol()).orElse("-")) + "</td><td class='transport'>"
                    + Html.escape(mount.init().map(i -> i.transport().key()).orElse("-")) + "</td><td>"
                    + (mount.passthrough().passthroughEnabled() ? "on" : "off") + "</td><td>" + mount.openFiles()
                    + "</td><td>");
            String backendOptions = backendNames.stream()
                    .map(b -> "<option" + (b.equals(mount.backendName().orElse("")) ? " selected" : "") + ">"
                            + Html.escape(b) + "</option>")
                    .collect(Collectors.joining());
            out.println(form(token, "swap", mountpoint, "<select name='backend'>" + backendOptions + "</select>",
                    "swap"));
            out.println(form(token, "policy", mountpoint, "<select name='policy'><option>always</option>"
                    + "<option>never</option><option>rules</option></select> <input name='rules' size='24' "
                    + "placeholder=\"rules, e.g. *.log:java; size&gt;1M:passthrough\">", "set policy"));
            out.println(form(token, "unmount", mountpoint, "", "unmount"));
            out.println("</td></tr>");
        }
        out.println("</tbody></table>");
    }

    private static String form(String token, String action, String mountpoint, String fields, String button) {
        return "<form method='post' class='fuse-" + action + "' style='display:inline'>"
                + "<input type='hidden' name='token' value='" + token + "'>"
                + "<input type='hidden' name='action' value='" + action + "'>"
                + "<input type='hidden' name='mountpoint' value='" + Html.escape(mountpoint) + "'>" + fields
                + " <button type='submit' class='ui-button'>" + button + "</button></form>";
    }

    private void renderBackends(PrintWriter out, List<FuseMount> mounts) {
        out.println("<h2>Backends</h2><table id='fuse-backends' class='nicetable'><thead><tr><th>name</th>"
                + "<th>bundle</th><th>version</th><th>serves</th></tr></thead><tbody>");
        backends.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(entry -> {
            Bundle bundle = entry.getKey().getBundle();
            String serves = mounts.stream().filter(m -> m.backendName().orElse("").equals(entry.getValue()))
                    .map(m -> m.mountpoint().toString()).collect(Collectors.joining(", "));
            out.println("<tr><td>" + Html.escape(entry.getValue()) + "</td><td>"
                    + (bundle == null ? "-" : Html.escape(bundle.getSymbolicName() + " [" + bundle.getBundleId() + "]"))
                    + "</td><td>" + (bundle == null ? "-" : Html.escape(bundle.getVersion())) + "</td><td>"
                    + Html.escape(serves) + "</td></tr>");
        });
        out.println("</tbody></table>");
    }

    /** The mount's figures from the metrics model: requests by opcode, then every other sample. */
    private static void renderStatistics(PrintWriter out, FuseMount mount) {
        List<MetricFamily> families = MountMetrics.collect(List.of(mount));
        Map<String, Map<String, String>> byOpcode = new LinkedHashMap<>();
        List<String> others = new ArrayList<>();
        for (MetricFamily family : families) {
            for (Sample sample : family.samples()) {
                String opcode = sample.labels().get("opcode");
                if (opcode != null) {
                    String column = column(family.name() + sample.suffix(), sample.labels().get("quantile"));
                    if (column == null) {
                        continue;
                    }
                    byOpcode.computeIfAbsent(opcode, o -> new LinkedHashMap<>()).put(column, number(sample));
                } else if (!family.name().equals("fuse_mount_info")) {
                    String labels = sample.labels().entrySet().stream().filter(e -> !e.getKey().equals("mountpoint"))
                            .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
                    others.add("<tr><td>" + Html.escape(family.name() + sample.suffix()
                            + (labels.isEmpty() ? "" : "{" + labels + "}")) + "</td><td>" + number(sample)
                            + "</td></tr>");
                }
            }
        }
        String mountpoint = Html.escape(mount.mountpoint());
        out.println("<h2>Statistics of " + mountpoint + "</h2>");
        List<String> columns = byOpcode.values().stream().flatMap(m -> m.keySet().stream()).distinct()
                .sorted(Comparator.comparingInt(FusePlugin::columnOrder)).toList();
        out.println("<table class='nicetable fuse-requests'><thead><tr><th>opcode</th>" + columns.stream()
                .map(c -> "<th>" + Html.escape(c) + "</th>")
                .collect(Collectors.joining()) + "</tr></thead><tbody>");
        byOpcode.forEach((opcode, values) -> out.println("<tr><td>" + Html.escape(opcode) + "</td>" + columns
                .stream().map(c -> "<td>" + Objects.requireNonNullElse(values.get(c), "") + "</td>")
                .collect(Collectors.joining()) + "</tr>"));
        out.println("</tbody></table><table class='nicetable fuse-figures'><tbody>");
        others.forEach(out::println);
        out.println("</tbody></table>");
    }

    /** The per-opcode table's heading of a sample ({@code null}: not shown, the count repeats requests). */
    private static String column(String sampleName, String quantile) {
        return switch (sampleName) {
            case "fuse_requests_total" -> "requests";
            case "fuse_request_errors_total" -> "errors";
            case "fuse_request_duration_seconds" ->
                "p" + Math.round(Double.parseDouble(quantile) * 100) + " (s)";
            case "fuse_request_duration_seconds_sum" -> "total (s)";
            case "fuse_request_duration_max_seconds" -> "max (s)";
            default -> null;
        };
    }

    private static int columnOrder(String column) {
        int index = COLUMNS.indexOf(column);
        return index >= 0 ? index : COLUMNS.size();
    }

    private static String number(Sample sample) {
        double value = sample.value();
        return value == Math.rint(value) ? String.valueOf((long) value) : String.format("%.6f", value);
    }

    private static void renderBackingIds(PrintWriter out, FuseMount mount) {
        List<BackingIdInfo> ids = mount.backingIds();
        out.println("<h3>Live backing ids of " + Html.escape(mount.mountpoint()) + " (" + ids.size() + ")</h3>"
                + "<table class='nicetable fuse-backing'><thead><tr><th>id</th><th>node</th><th>inode</th>"
                + "<th>refs</th><th>path</th></tr></thead><tbody>");
        for (BackingIdInfo id : ids) {
            out.println("<tr><td>" + id.backingId() + "</td><td>" + id.nodeId() + "</td><td>" + id.inode()
                    + "</td><td>" + id.refcount() + "</td><td>" + Html.escape(Objects.requireNonNullElse(id.path(), "?"))
                    + "</td></tr>");
        }
        out.println("</tbody></table>");
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        HttpSession session = request.getSession(false);
        String expected = session == null ? null : (String) session.getAttribute(TOKEN);
        String given = request.getParameter("token");
        if (expected == null || given == null || !MessageDigest.isEqual(expected.getBytes(), given.getBytes())
                || !sameOrigin(request)) {
            response.sendError(HttpServletResponse.SC_FORBIDDEN, "missing or wrong form token: reload the page");
            return;
        }
        String result;
        try {
            result = CommandLine.run(commands, commandLine(request));
        } catch (IllegalArgumentException e) {
            result = e.getMessage();
        }
        session.setAttribute(RESULT, result);
        response.setStatus(HttpServletResponse.SC_SEE_OTHER);
        response.setHeader("Location", request.getRequestURI());
    }

    /** A browser sends Origin with a cross-site POST; it must name this server. */
    private static boolean sameOrigin(HttpServletRequest request) {
        String origin = request.getHeader("Origin");
        return origin == null || origin.equals(request.getScheme() + "://" + request.getHeader("Host"));
    }

    /** The {@code fuse:} command line of a form, for a mount and backend that exist now. */
    private String commandLine(HttpServletRequest request) {
        String mountpoint = request.getParameter("mountpoint");
        if (mounts.stream().noneMatch(m -> m.mountpoint().toString().equals(mountpoint))) {
            throw new IllegalArgumentException("no mount at " + mountpoint);
        }
        String action = Objects.requireNonNullElse(request.getParameter("action"), "");
        return switch (action) {
            case "unmount" -> CommandLine.of("fuse:unmount", List.of(mountpoint));
            case "swap" -> {
                String backend = request.getParameter("backend");
                if (!backends.containsValue(backend)) {
                    throw new IllegalArgumentException("no backend named " + backend);
                }
                yield CommandLine.of("fuse:swap", List.of(mountpoint, backend));
            }
            case "policy" -> {
                List<String> arguments = new ArrayList<>(List.of(mountpoint,
                        Objects.requireNonNullElse(request.getParameter("policy"), "")));
                Arrays.stream(Objects.requireNonNullElse(request.getParameter("rules"), "").split(";"))
                        .map(String::strip).filter(r -> !r.isEmpty()).forEach(arguments::add);
                yield CommandLine.of("fuse:policy", arguments);
            }
            default -> throw new IllegalArgumentException("unknown action " + action);
        };
    }
}
