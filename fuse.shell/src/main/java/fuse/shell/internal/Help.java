package fuse.shell.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import org.apache.felix.service.command.Descriptor;

/**
 * The help of a {@code fuse:} command ({@code fuse:mount --help}, {@code -h}, {@code help fuse:mount}): its usage
 * line, what it does and each argument (from the command methods' {@link Descriptor}s, so the text lives in one
 * place), and for the commands that take {@code key=value} settings every key with its type, default and meaning
 * from Metatype: the mount's own, then each backend's (only the named one when an argument names a backend).
 */
final class Help {
    static final List<String> FLAGS = List.of("--help", "-h");
    private static final List<Class<?>> COMMANDS = List.of(MountCommands.class, InspectCommands.class);

    private Help() {
    }

    /** Whether the arguments ask for help. */
    static boolean asked(String... arguments) {
        return Arrays.stream(arguments).anyMatch(FLAGS::contains);
    }

    /** The help of {@code fuse:<function>}, if it is one; {@code arguments} may name a backend. */
    static Optional<String> of(String function, Registry registry, String... arguments) {
        String name = function.startsWith("fuse:") ? function.substring(5) : function;
        Optional<Method> method = describing(name);
        if (method.isEmpty()) {
            return Optional.empty();
        }
        StringBuilder text = new StringBuilder(Usage.of(name)).append('\n');
        text.append("  ").append(method.get().getAnnotation(Descriptor.class).value()).append('\n');
        for (Parameter parameter : method.get().getParameters()) {
            Descriptor descriptor = parameter.getAnnotation(Descriptor.class);
            if (descriptor != null) {
                text.append(String.format("  %-14s %s%n", argumentName(name, parameter), descriptor.value()));
            }
        }
        if (name.equals("mount")) {
            text.append(String.format("  %-14s %s%n", MountCommands.WAIT_FLAG, MountCommands.WAIT_MEANING));
        }
        if (name.equals("mount") || name.equals("swap")) {
            keys(text, registry, arguments);
        }
        return Optional.of(text.toString().stripTrailing());
    }

    private static void keys(StringBuilder text, Registry registry, String[] arguments) {
        text.append("mount keys (any backend):\n");
        List<Registry.Setting> mount = registry.mountSettings();
        if (mount.isEmpty()) {
            text.append("  (no Metatype service: keys are not described)\n");
        }
        mount.forEach(setting -> key(text, setting));
        List<String> named = Arrays.stream(arguments).filter(a -> registry.backend(a).isPresent()).toList();
        List<String> backends = !named.isEmpty() ? named
                : registry.backends().stream().map(Registry.Backend::name).distinct().toList();
        for (String backend : backends) {
            Optional<List<Registry.Setting>> settings = registry.backendSettings(backend);
            text.append("keys of backend ").append(backend).append(settings.isPresent() ? ":\n"
                    : ": not described (it takes any key=value)\n");
            settings.ifPresent(list -> list.forEach(setting -> key(text, setting)));
        }
    }

    private static void key(StringBuilder text, Registry.Setting setting) {
        String left = setting.key() + "=<" + setting.type() + ">";
        text.append(String.format("  %-30s %s%s%n", left, setting.description(),
                setting.defaultValue() == null ? "" : " (default " + setting.defaultValue() + ")"));
    }

    /** The command method with the most described parameters: the one whose descriptors explain the command. */
    private static Optional<Method> describing(String function) {
        return COMMANDS.stream().flatMap(type -> Arrays.stream(type.getMethods()))
                .filter(m -> m.getName().equals(function) && m.isAnnotationPresent(Descriptor.class))
                .filter(m -> !m.getAnnotation(Descriptor.class).value().equals(MountCommands.WRONG))
                .max(Comparator.comparingInt(Method::getParameterCount));
    }

    private static String argumentName(String function, Parameter parameter) {
        // Parameter names are not in the class files; the usage line names them in order.
        List<String> names = new ArrayList<>();
        for (String word : Usage.of(function).split(" ")) {
            if (word.startsWith("<") || word.startsWith("[")) {
                names.add(word.replace("[", "").replace("]", "").replace("...", ""));
            }
        }
        int index = Arrays.asList(parameter.getDeclaringExecutable().getParameters()).indexOf(parameter);
        return index < names.size() ? names.get(index) : parameter.getName();
    }
}
