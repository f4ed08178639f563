package io.countersign.examples.springai;

import io.countersign.Actor;
import io.countersign.ActorContext;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.stereotype.Service;

/**
 * The support agent: answers a user's question with the chat model and the {@link CustomerTools}.
 * It runs as {@code Actor.agent("support-agent", user)}, so the user it acts for can never approve
 * the tool calls it asks for.
 */
@Service
public class SupportAgent {

  private final ChatClient chat;
  private final CustomerTools tools;

  public SupportAgent(ChatModel model, CustomerTools tools) {
    this.chat = ChatClient.create(model);
    this.tools = tools;
  }

  /** Asks on behalf of {@code user}; a guarded tool call blocks until reviewers decide. */
  public String ask(String user, String question) throws Exception {
    // snippet: spring-ai-agent
    return ActorContext.runAs(Actor.agent("support-agent", user), question,
        () -> chat.prompt(question).tools(tools).call().content());
    // end-snippet
  }
}
