package io.countersign.aspectj.scope;

/** A generic interface: implementing it with a concrete type makes javac add bridge methods. */
public interface Handler<T> {
  T handle(T value);
}
