package fuse.api;

import java.util.Objects;

/** A name resolved to a node with its current attributes: the answer to lookup, create, mkdir, link… */
public record Entry(Node node, Attributes attributes) {
    public Entry {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(attributes, "attributes");
    }
}
