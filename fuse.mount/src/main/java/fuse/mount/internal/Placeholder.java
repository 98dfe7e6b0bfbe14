package fuse.mount.internal;

final class Placeholder { private Placeholder() {} }
