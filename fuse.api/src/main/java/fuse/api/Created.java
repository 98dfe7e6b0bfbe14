package fuse.api;

import java.util.Objects;

/** The answer to create: the new entry and its open file. */
public record Created(Entry entry, Opened opened) {
    public Created {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(opened, "opened");
    }
}
