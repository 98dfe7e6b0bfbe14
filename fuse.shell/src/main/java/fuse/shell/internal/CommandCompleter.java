package fuse.shell.internal;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.apache.felix.service.command.CommandSession;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;
import org.jline.reader.impl.completer.FileNameCompleter;

/**
 * Tab completion on the console: command names (with and without their scope), then per {@code fuse:} command its
 * arguments: live mountpoints, registered backend names, {@code key=} names (the mount's keys and the named
 * backend's, from Metatype), policies; directories for a new mount's mountpoint.
 */
final class CommandCompleter implements Completer {
    private final CommandSession session;
    private final Registry registry;
    private final FileNameCompleter files = new FileNameCompleter();

    CommandCompleter(CommandSession session, Registry registry) {
        this.session = session;
        this.registry = registry;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        List<String> words = line.words();
        int index = line.wordIndex();
        if (index == 0) {
            commands().forEach(name -> candidates.add(new Candidate(name, name, null, null, null, null, true)));
            return;
        }
        String command = words.get(0);
        String function = command.startsWith("fuse:") ? command.substring(5) : command;
        switch (function) {
            case "mount", "swap" -> {
                if (index == 1 && function.equals("mount")) {
                    files.complete(reader, line, candidates); // a new mount: any directory
                } else if (index == 1) {
                    mountpoints(candidates);
                } else if (index == 2) {
                    backends(candidates);
                } else {
                    keys(words.get(2), candidates);
                }
            }
            case "policy" -> {
                if (index == 1) {
                    mountpoints(candidates);
                } else if (index == 2) {
                    List.of("always", "never", "rules").forEach(p -> candidates.add(new Candidate(p)));
                }
            }
            case "unmount", "stats", "backing" -> {
                if (index == 1) {
                    mountpoints(candidates);
                }
            }
            case "help" -> {
                if (index == 1) {
                    commands().forEach(name -> candidates.add(new Candidate(name)));
                }
            }
            default -> {
            }
        }
    }

    /** Every command as {@code scope:function}, and its bare function name. */
    private Set<String> commands() {
        Set<String> names = new TreeSet<>();
        if (session.get(".commands") instanceof Collection<?> all) {
            for (Object name : all) {
                String text = name.toString();
                names.add(text);
                names.add(text.substring(text.indexOf(':') + 1));
            }
        }
        names.removeIf(name -> name.startsWith("__") || name.contains(":__"));
        return names;
    }

    private void mountpoints(List<Candidate> candidates) {
        registry.mounts().forEach(m -> candidates.add(new Candidate(m.mount().mountpoint().toString())));
    }

    private void backends(List<Candidate> candidates) {
        registry.backends().stream().map(Registry.Backend::name).distinct()
                .forEach(name -> candidates.add(new Candidate(name)));
    }

    private void keys(String backend, List<Candidate> candidates) {
        List<Registry.Setting> settings = new java.util.ArrayList<>(registry.mountSettings());
        registry.backendSettings(backend).ifPresent(settings::addAll);
        for (Registry.Setting setting : settings) {
            // key= with no space after it: the value follows
            candidates.add(new Candidate(setting.key() + "=", setting.key() + "=", null, setting.type(), null, null,
                    false));
        }
    }
}
