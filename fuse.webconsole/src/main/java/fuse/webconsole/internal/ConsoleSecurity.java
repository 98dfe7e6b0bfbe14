package fuse.webconsole.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Hashtable;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.apache.felix.webconsole.spi.SecurityProvider;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.servlet.runtime.HttpServiceRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console's only way in: HTTP Basic against the user and password of PID {@code fuse.webconsole}. The
 * container requires this provider ({@code felix.webconsole.security.providers=fuse}), so the console serves
 * nothing until it is registered, and it is registered only when a password is configured: there is no default
 * password. Active only while the HTTP service runs, so a container without HTTP says nothing about it.
 */
@Component(service = {}, configurationPid = ConsoleSecurity.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        immediate = true)
@Designate(ocd = ConsoleSecurity.Config.class)
public final class ConsoleSecurity implements SecurityProvider {
    static final String PID = "fuse.webconsole";
    /** The id the container's {@code felix.webconsole.security.providers} names. */
    static final String PROVIDER_ID = "fuse";
    private static final String SHA256_PREFIX = "{sha-256}";
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleSecurity.class);

    @ObjectClassDefinition(name = "FUSE web console login", description = "Who may use the Apache Felix Web "
            + "Console (and its FUSE tab). Without a password the console stays off.")
    public @interface Config {
        @AttributeDefinition(description = "the user name to log in with")
        String username() default "fuse";

        @AttributeDefinition(type = AttributeType.PASSWORD, description = "the password, in clear or as "
                + "{sha-256} followed by the hex SHA-256 of it (./run writes the latter from FUSE_CONSOLE_PASSWORD)")
        String password() default "";
    }

    private final String username;
    private final byte[] passwordDigest;
    private ServiceRegistration<SecurityProvider> registration;

    @Reference
    HttpServiceRuntime httpRuntime; // only for the component's life: the console needs a running HTTP service

    @Activate
    public ConsoleSecurity(Config config, BundleContext context) {
        this.username = config.username();
        this.passwordDigest = digestOf(config.password());
        if (passwordDigest == null) {
            LOG.warn("web console off: no password set (PID {}, key password; FUSE_CONSOLE_PASSWORD for ./run)",
                    PID);
            return;
        }
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(SecurityProvider.PROPERTY_ID, PROVIDER_ID);
        properties.put(Constants.SERVICE_RANKING, Integer.MAX_VALUE);
        registration = context.registerService(SecurityProvider.class, this, properties);
        LOG.info("web console on for user {}", username);
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            registration.unregister();
        }
    }

    /** The SHA-256 of the configured password, or {@code null} when none is set. */
    static byte[] digestOf(String configured) {
        if (configured == null || configured.isBlank()) {
            return null;
        }
        if (configured.regionMatches(true, 0, SHA256_PREFIX, 0, SHA256_PREFIX.length())) {
            return HexFormat.of().parseHex(configured.substring(SHA256_PREFIX.length()).trim());
        }
        return sha256(configured);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public Object authenticate(HttpServletRequest request, HttpServletResponse response) {
        String user = checkBasic(request.getHeader("Authorization"));
        if (user == null) {
            response.setHeader("WWW-Authenticate", "Basic realm=\"FUSE web console\", charset=\"UTF-8\"");
            response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
        }
        return user;
    }

    /** The user of a valid {@code Basic} header, else {@code null}; the comparison takes constant time. */
    String checkBasic(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return null;
        }
        String user = decoded.substring(0, colon);
        boolean userMatches = MessageDigest.isEqual(sha256(user), sha256(username));
        boolean passwordMatches = MessageDigest.isEqual(sha256(decoded.substring(colon + 1)), passwordDigest);
        return userMatches & passwordMatches ? user : null;
    }

    @Override
    public boolean authorize(Object user, String role) {
        return user != null;
    }

    @Override
    public void logout(HttpServletRequest request, HttpServletResponse response) {
        // Basic authentication has no server-side session to end
    }
}
