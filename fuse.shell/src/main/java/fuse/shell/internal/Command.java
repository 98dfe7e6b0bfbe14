package fuse.shell.internal;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/** Declares a component's Gogo commands: {@code osgi.command.scope} and {@code osgi.command.function}. */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
@interface Command {
    String PREFIX_ = "osgi.command.";

    String scope();

    String[] function();
}
