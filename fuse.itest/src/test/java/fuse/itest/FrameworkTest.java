package fuse.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.junit5.context.BundleContextExtension;

@ExtendWith(BundleContextExtension.class)
class FrameworkTest {
    @InjectBundleContext
    BundleContext context;

    @Test
    void everyProjectBundleIsActive() {
        var projectBundles = Arrays.stream(context.getBundles())
                .filter(b -> b.getSymbolicName().startsWith("fuse.") && !b.getSymbolicName().equals("fuse.itest-tests"))
                .toList();
        // the container's nine, fuse.metrics (its MBeans are tested here), and fuse.testkit, which the tests use
        assertEquals(11, projectBundles.size(), () -> "project bundles: " + projectBundles);
        for (Bundle bundle : projectBundles) {
            assertEquals(Bundle.ACTIVE, bundle.getState(), bundle.getSymbolicName() + " is not active");
        }
    }
}
