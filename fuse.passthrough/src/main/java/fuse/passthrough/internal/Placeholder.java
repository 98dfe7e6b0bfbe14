package fuse.passthrough.internal;

final class Placeholder { private Placeholder() {} }
