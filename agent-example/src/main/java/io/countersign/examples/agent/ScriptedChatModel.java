package io.countersign.examples.agent;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An offline stand-in for a language model: asks for the scripted tool calls one after the other,
 * then answers with what each tool returned (including refusals), the way a real model would report
 * back to the user. No network, no API key: CI runs the agent with it.
 */
public final class ScriptedChatModel implements ChatModel {

  /** One tool call the "model" asks for: the tool's name and its arguments as JSON. */
  public record ToolCall(String tool, String argumentsJson) {
    public ToolCall {
      Objects.requireNonNull(tool, "tool");
      Objects.requireNonNull(argumentsJson, "argumentsJson");
    }
  }

  private final List<ToolCall> script;

  private ScriptedChatModel(List<ToolCall> script) {
    this.script = List.copyOf(script);
  }

  /** A model that asks for {@code calls} in order, then summarises. */
  public static ScriptedChatModel of(ToolCall... calls) {
    return new ScriptedChatModel(List.of(calls));
  }

  @Override
  public ChatResponse doChat(ChatRequest request) {
    List<ToolExecutionResultMessage> results = resultsSinceLastUserMessage(request.messages());
    if (results.size() < script.size()) {
      ToolCall next = script.get(results.size());
      requireOffered(next.tool(), request.toolSpecifications());
      ToolExecutionRequest call = ToolExecutionRequest.builder()
          .id("call-" + results.size()).name(next.tool()).arguments(next.argumentsJson()).build();
      return ChatResponse.builder().aiMessage(AiMessage.from(call)).build();
    }
    StringBuilder answer = new StringBuilder("Here is what happened:");
    for (ToolExecutionResultMessage r : results) {
      answer.append("\n- ").append(r.toolName()).append(": ").append(r.text());
    }
    return ChatResponse.builder().aiMessage(AiMessage.from(answer.toString())).build();
  }

  private static List<ToolExecutionResultMessage> resultsSinceLastUserMessage(List<ChatMessage> messages) {
    List<ToolExecutionResultMessage> results = new ArrayList<>();
    for (ChatMessage m : messages) {
      if (m instanceof UserMessage) {
        results.clear();
      } else if (m instanceof ToolExecutionResultMessage r) {
        results.add(r);
      }
    }
    return results;
  }

  private static void requireOffered(String tool, List<ToolSpecification> offered) {
    if (offered == null || offered.stream().noneMatch(s -> s.name().equals(tool))) {
      throw new IllegalStateException("the script asks for tool '" + tool + "' but the agent offers "
          + (offered == null ? "none" : offered.stream().map(ToolSpecification::name).toList()));
    }
  }
}
