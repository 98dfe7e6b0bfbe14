package fuse.metrics;

import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.Map;

/** The Prometheus text exposition format, version 0.0.4. */
public final class PrometheusText {
    /** The {@code Content-Type} of a response in this format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private PrometheusText() {
    }

    public static void write(List<MetricFamily> families, Writer out) throws IOException {
        for (MetricFamily family : families) {
            out.write("# HELP " + family.name() + ' ' + escapeHelp(family.help()) + '\n');
            out.write("# TYPE " + family.name() + ' ' + family.type().exposition() + '\n');
            for (Sample sample : family.samples()) {
                out.write(family.name());
                out.write(sample.suffix());
                writeLabels(sample.labels(), out);
                out.write(' ');
                out.write(number(sample.value()));
                out.write('\n');
            }
        }
    }

    private static void writeLabels(Map<String, String> labels, Writer out) throws IOException {
        if (labels.isEmpty()) {
            return;
        }
        out.write('{');
        boolean first = true;
        for (Map.Entry<String, String> label : labels.entrySet()) {
            if (!first) {
                out.write(',');
            }
            first = false;
            out.write(label.getKey());
            out.write("=\"");
            out.write(escapeLabel(label.getValue()));
            out.write('"');
        }
        out.write('}');
    }

    /** Whole numbers without a fraction (counters read naturally), others as Java prints a double. */
    static String number(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return Double.toString(value);
    }

    static String escapeLabel(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    static String escapeHelp(String help) {
        return help.replace("\\", "\\\\").replace("\n", "\\n");
    }
}
