package fuse.api.policy;

import org.osgi.annotation.versioning.ConsumerType;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * The Metatype of the {@link PassthroughPolicy#POLICY} and {@link PassthroughPolicy#RULES} settings, declared once
 * for every backend that takes them: a backend's settings OCD (an interface annotated with
 * {@code @ObjectClassDefinition}) extends this one, and bnd's Metatype generation adds these attributes to it.
 * {@link PassthroughPolicy#fromConfiguration} reads them.
 */
@ConsumerType
public interface PassthroughPolicySettings {
    @AttributeDefinition(
            name = "Passthrough policy",
            description = PassthroughPolicy.POLICY_DESCRIPTION,
            defaultValue = "always",
            options = {
                @Option(value = "always", label = "always: every regular file passes through"),
                @Option(value = "never", label = "never: every open is served in Java"),
                @Option(value = "rules", label = "rules: decided per open by the rules setting")
            })
    String policy();

    @AttributeDefinition(
            name = "Policy rules",
            description = PassthroughPolicy.RULES_DESCRIPTION,
            cardinality = Integer.MAX_VALUE,
            required = false)
    String[] rules();
}
