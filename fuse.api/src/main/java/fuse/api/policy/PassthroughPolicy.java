package fuse.api.policy;

import java.lang.reflect.Array;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import fuse.api.Errno;
import fuse.api.FuseException;

/**
 * Which regular-file opens the kernel passes through to the backing file and which the backend serves in Java:
 * one policy language for every backend that offers the choice (the local and the overlay backend), so that
 * {@code fuse:policy} means the same on each. A backend declares {@link #POLICY} and {@link #RULES} in its
 * Metatype by extending {@link PassthroughPolicySettings}, reads them with
 * {@link #fromConfiguration}, and applies its own rules on top (the overlay serves what passthrough cannot offer).
 *
 * <p>Settings ({@code policy}, {@code rules}):
 * <ul>
 * <li>{@code policy=always} (the default): every open passes through.</li>
 * <li>{@code policy=never}: every open is served in Java.</li>
 * <li>{@code policy=rules}: the {@code rules}, in order; the first rule whose conditions all match decides, and an
 * open no rule matches passes through.</li>
 * </ul>
 *
 * <p>A rule is {@code condition [& condition]... : decision}, whitespace around the tokens ignored:
 * <ul>
 * <li>decision: {@code passthrough} or {@code java};</li>
 * <li>{@code read}: the open is read-only; {@code write}: it asks for write access ({@code O_WRONLY},
 * {@code O_RDWR});</li>
 * <li>{@code size>N}, {@code size>=N}, {@code size<N}, {@code size<=N}: the file's size when opened (after
 * {@code O_TRUNC}); {@code N} is a byte count with an optional binary unit {@code K}, {@code M}, {@code G} or
 * {@code T} ({@code 1M} = 1048576);</li>
 * <li>anything else is a glob (Java's {@code glob:} syntax: {@code *}, {@code **}, {@code ?}, {@code [a-z]},
 * {@code {a,b}}). Without a {@code /} it matches the file's name ({@code *.log}); with one, its path relative to
 * the root ({@code logs/**}, {@code cache/*.tmp}). {@code *} alone matches every file.</li>
 * </ul>
 * Example: {@code rules = ["*.log:java", "size>1M & read:passthrough", "write:java", "*:passthrough"]}. In a
 * single string, rules are separated by {@code ;} or line breaks.
 */
public sealed interface PassthroughPolicy {
    /** The setting that chooses always, never or rules. */
    String POLICY = "policy";
    /** The setting that holds the rules of {@code policy=rules}. */
    String RULES = "rules";
    /** The Metatype description of {@link #POLICY}, the same for every backend. */
    String POLICY_DESCRIPTION = "Which regular-file opens the kernel passes straight to the backing file: always, "
            + "never (everything served in Java), or rules (the 'rules' setting, first match wins, unmatched "
            + "opens pass through). Applies to new opens as soon as the configuration changes.";
    /** The Metatype description of {@link #RULES}, the same for every backend. */
    String RULES_DESCRIPTION = "Ordered rules 'condition [& condition]...:passthrough|java'. Conditions: read, "
            + "write, size>N / size>=N / size<N / size<=N (N with optional K, M, G, T), or a glob on the file "
            + "name (*.log) or, with a '/', on the path relative to the root (logs/**). Example: "
            + "*.log:java, size>1M & read:passthrough, write:java, *:passthrough. Only with policy=rules.";

    /** What an open asks for: enough to evaluate every condition. */
    record OpenRequest(String name, String relativePath, long size, boolean write) {
    }

    /** Whether this open passes through. */
    boolean passthrough(OpenRequest request);

    /** Whether evaluating needs the file's path or name (which costs a readlink per open). */
    boolean needsPath();

    PassthroughPolicy ALWAYS = new Fixed(true);
    PassthroughPolicy NEVER = new Fixed(false);

    record Fixed(boolean passthrough) implements PassthroughPolicy {
        @Override
        public boolean passthrough(OpenRequest request) {
            return passthrough;
        }

        @Override
        public boolean needsPath() {
            return false;
        }

        @Override
        public String toString() {
            return passthrough ? "always" : "never";
        }
    }

    record Rules(List<Rule> rules) implements PassthroughPolicy {
        public Rules {
            rules = List.copyOf(rules);
        }

        @Override
        public boolean passthrough(OpenRequest request) {
            for (Rule rule : rules) {
                if (rule.matches(request)) {
                    return rule.passthrough();
                }
            }
            return true;
        }

        @Override
        public boolean needsPath() {
            return rules.stream().anyMatch(Rule::needsPath);
        }

        @Override
        public String toString() {
            return "rules" + rules.stream().map(Rule::text).toList();
        }
    }

    record Rule(String text, List<Condition> conditions, boolean passthrough) {
        boolean matches(OpenRequest request) {
            for (Condition condition : conditions) {
                if (!condition.matches(request)) {
                    return false;
                }
            }
            return true;
        }

        boolean needsPath() {
            return conditions.stream().anyMatch(c -> c instanceof Glob g && !g.any());
        }
    }

    sealed interface Condition {
        boolean matches(OpenRequest request);
    }

    record Access(boolean write) implements Condition {
        @Override
        public boolean matches(OpenRequest request) {
            return request.write() == write;
        }
    }

    record Size(String operator, long bytes) implements Condition {
        @Override
        public boolean matches(OpenRequest request) {
            long size = request.size();
            return switch (operator) {
                case ">" -> size > bytes;
                case ">=" -> size >= bytes;
                case "<" -> size < bytes;
                case "<=" -> size <= bytes;
                default -> throw new IllegalStateException(operator);
            };
        }
    }

    /** A glob on the name, or on the path relative to the root when it has a '/'. */
    record Glob(String glob, PathMatcher matcher, boolean onPath, boolean any) implements Condition {
        @Override
        public boolean matches(OpenRequest request) {
            if (any) {
                return true;
            }
            String subject = onPath ? request.relativePath() : request.name();
            return subject != null && !subject.isEmpty() && matcher.matches(Path.of(subject));
        }
    }

    /**
     * The policy of a mount's configuration ({@link #POLICY}, {@link #RULES}), as ConfigAdmin may hold them: rules
     * as a {@code String[]} or collection, or one string separated by ';' or newlines.
     *
     * @throws FuseException {@code EINVAL} with a message that starts with the offending setting's name, e.g.
     *         {@code "policy: expected always, never or rules, got 'sometimes'"}
     */
    static PassthroughPolicy fromConfiguration(Map<String, Object> configuration) throws FuseException {
        Object policyValue = configuration.get(POLICY);
        if (policyValue != null && !(policyValue instanceof String)) {
            throw new FuseException(Errno.EINVAL, POLICY + ": expected always, never or rules, got "
                    + ConfiguredRules.describe(policyValue));
        }
        try {
            return parse((String) policyValue, ConfiguredRules.of(configuration.get(RULES)));
        } catch (IllegalArgumentException e) {
            throw new FuseException(Errno.EINVAL, e.getMessage());
        }
    }

    /**
     * Parses the {@code policy} and {@code rules} settings.
     *
     * @throws IllegalArgumentException with a message that starts with the offending setting's name
     */
    static PassthroughPolicy parse(String policy, List<String> rules) {
        String mode = policy == null || policy.isBlank() ? "always" : policy.trim().toLowerCase(Locale.ROOT);
        switch (mode) {
            case "always", "never" -> {
                if (!rules.isEmpty()) {
                    throw new IllegalArgumentException("rules: only used with policy=rules, but policy=" + mode);
                }
                return mode.equals("always") ? ALWAYS : NEVER;
            }
            case "rules" -> {
                if (rules.isEmpty()) {
                    throw new IllegalArgumentException("rules: policy=rules needs at least one rule, e.g. \"*.log:java\"");
                }
                List<Rule> parsed = new ArrayList<>();
                for (int i = 0; i < rules.size(); i++) {
                    parsed.add(RuleParser.rule("rules[" + i + "]", rules.get(i)));
                }
                return new Rules(parsed);
            }
            default -> throw new IllegalArgumentException(
                    "policy: expected always, never or rules, got '" + policy + "'");
        }
    }

    /** The rule syntax of {@link PassthroughPolicy}. */
    final class RuleParser {
        private static final Pattern SIZE_PREFIX = Pattern.compile("size\\s*[<>=]");
        private static final Pattern SIZE = Pattern.compile("size\\s*(>=|<=|>|<)\\s*(\\d+)\\s*([kmgtKMGT]?)");

        private RuleParser() {
        }

        static Rule rule(String setting, String text) {
            String where = setting + ": '" + text + "': ";
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException(where + "expected conditions:decision, e.g. \"*.log:java\"");
            }
            String decision = text.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
            boolean passthrough = switch (decision) {
                case "passthrough" -> true;
                case "java" -> false;
                default -> throw new IllegalArgumentException(
                        where + "decision must be passthrough or java, got '" + decision + "'");
            };
            String head = text.substring(0, colon);
            if (head.isBlank()) {
                throw new IllegalArgumentException(where + "no condition before ':' (use * to match every file)");
            }
            List<Condition> conditions = new ArrayList<>();
            for (String part : head.split("&", -1)) {
                conditions.add(condition(where, part.trim()));
            }
            return new Rule(text.trim(), conditions, passthrough);
        }

        private static Condition condition(String where, String text) {
            if (text.isEmpty()) {
                throw new IllegalArgumentException(where + "empty condition around '&'");
            }
            String lower = text.toLowerCase(Locale.ROOT);
            if (lower.equals("read")) {
                return new Access(false);
            }
            if (lower.equals("write")) {
                return new Access(true);
            }
            if (SIZE_PREFIX.matcher(lower).lookingAt()) {
                return size(where, text);
            }
            if (text.equals("*") || text.equals("**")) {
                return new Glob(text, null, false, true);
            }
            try {
                PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + text);
                return new Glob(text, matcher, text.contains("/"), false);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(where + "bad glob '" + text + "': " + e.getDescription());
            }
        }

        private static Size size(String where, String text) {
            Matcher m = SIZE.matcher(text);
            if (!m.matches()) {
                throw new IllegalArgumentException(where + "bad size condition '" + text
                        + "', expected size>N, size>=N, size<N or size<=N with N like 4096, 64K, 1M, 2G");
            }
            long shift = switch (m.group(3).toUpperCase(Locale.ROOT)) {
                case "" -> 0;
                case "K" -> 10;
                case "M" -> 20;
                case "G" -> 30;
                case "T" -> 40;
                default -> throw new IllegalStateException(m.group(3));
            };
            long number;
            try {
                number = Long.parseLong(m.group(2));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(where + "size too large: " + m.group(2));
            }
            if (number > (Long.MAX_VALUE >> shift)) {
                throw new IllegalArgumentException(where + "size too large: " + m.group(2) + m.group(3));
            }
            return new Size(m.group(1), number << shift);
        }
    }

    /** The {@code rules} setting's shapes in a configuration. */
    final class ConfiguredRules {
        private ConfiguredRules() {
        }

        static List<String> of(Object value) throws FuseException {
            List<String> rules = new ArrayList<>();
            if (value == null) {
                return rules;
            }
            if (value instanceof String text) {
                for (String rule : text.split("[;\\n]")) {
                    add(rules, rule);
                }
            } else if (value.getClass().isArray()) {
                for (int i = 0; i < Array.getLength(value); i++) {
                    add(rules, element(Array.get(value, i)));
                }
            } else if (value instanceof Collection<?> collection) {
                for (Object element : collection) {
                    add(rules, element(element));
                }
            } else {
                throw new FuseException(Errno.EINVAL, RULES + ": expected a list of rule strings, got "
                        + describe(value));
            }
            return rules;
        }

        private static String element(Object element) throws FuseException {
            if (!(element instanceof String s)) {
                throw new FuseException(Errno.EINVAL, RULES + ": expected rule strings, got " + describe(element));
            }
            return s;
        }

        private static void add(List<String> rules, String rule) {
            if (!rule.isBlank()) {
                rules.add(rule.trim());
            }
        }

        static String describe(Object value) {
            return value == null ? "nothing" : value.getClass().getSimpleName() + " " + value;
        }
    }
}
