package com.example;

import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalGate;
import io.countersign.Countersign;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.Slf4jAuditSink;
import io.countersign.spi.Approver;

/** The README's start-up code, compiled as it is shown. */
public final class App {

  private App() {}

  /** Installs the gate, then pushes a config as an agent acting for alice (blocks until decided). */
  public static String run(Approver approver, Ops ops, String body) throws Exception {
    // readme-snippet: install
    Countersign.install(ApprovalGate.builder()             // 2. configure once, at startup
        .approver(approver)                                //    where requests go (Slack, the HTTP page, ...)
        .auditSink(new Slf4jAuditSink())                   //    where audit events go
        .signer(Ed25519Signer.generate("ops-key-1"))       //    signs every event
        .checkGuarded(Ops.class)                           //    checks the annotations now, not on the first call
        .build());

    return ActorContext.runAs(Actor.agent("ops-agent", "alice"), "ticket OPS-42", () -> ops.pushConfig("prod", body));
    // end-readme-snippet
  }
}
