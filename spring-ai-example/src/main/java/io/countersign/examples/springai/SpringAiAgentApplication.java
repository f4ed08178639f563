package io.countersign.examples.springai;

import io.countersign.InMemoryApprover;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.InMemoryAuditSink;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * The example application: the starter builds the gate from these beans (an in-memory approver
 * that the demo's scripted reviewers vote through, an in-memory signed audit trail) and guards
 * {@link CustomerTools}; the chat model is the offline {@link ScriptedChatModel}.
 */
@SpringBootApplication
public class SpringAiAgentApplication {

  @Bean
  InMemoryApprover approver() {
    return new InMemoryApprover();
  }

  @Bean
  InMemoryAuditSink auditSink() {
    return new InMemoryAuditSink();
  }

  @Bean
  Ed25519Signer signer() {
    return Ed25519Signer.generate("spring-ai-example");
  }

  @Bean
  ChatModel chatModel() {
    return new ScriptedChatModel();
  }
}
