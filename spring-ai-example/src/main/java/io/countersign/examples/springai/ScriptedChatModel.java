package io.countersign.examples.springai;

import java.util.List;
import java.util.UUID;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.model.tool.ToolExecutionResult;

/**
 * An offline stand-in for a real chat model: asked about an export it calls
 * {@code exportCustomerData}, asked about a role it calls {@code grantRole}, and then reports the
 * tool's answer. Like Spring AI's real models it runs the tool calls itself through a
 * {@link ToolCallingManager} and answers from the tool results, so the application code is the
 * same as with a real model. No network.
 */
public final class ScriptedChatModel implements ChatModel {

  private final ToolCallingManager tools = ToolCallingManager.builder().build();

  @Override
  public ChatResponse call(Prompt prompt) {
    List<Message> messages = prompt.getInstructions();
    Message last = messages.get(messages.size() - 1);
    if (last instanceof ToolResponseMessage response) {
      String answer = response.getResponses().get(0).responseData();
      return reply(AssistantMessage.builder().content("The tool answered: " + answer).build());
    }
    String question = last.getText().toLowerCase();
    AssistantMessage.ToolCall call = question.contains("export")
        ? new AssistantMessage.ToolCall(UUID.randomUUID().toString(), "function", "exportCustomerData", "{\"region\":\"EU\"}")
        : question.contains("role")
            ? new AssistantMessage.ToolCall(UUID.randomUUID().toString(), "function", "grantRole", "{\"user\":\"dave\",\"role\":\"billing-admin\"}")
            : null;
    if (call == null) {
      return reply(AssistantMessage.builder().content("I can export customer data or grant roles.").build());
    }
    ChatResponse toolCall = reply(AssistantMessage.builder().content("").toolCalls(List.of(call)).build());
    ToolExecutionResult result = tools.executeToolCalls(prompt, toolCall);
    return call(new Prompt(result.conversationHistory(), prompt.getOptions()));
  }

  /** Tool-calling options, so that {@code ChatClient.tools(...)} reach this model (as with real models). */
  @Override
  public ChatOptions getOptions() {
    return ToolCallingChatOptions.builder().build();
  }

  @Override
  public ChatOptions getDefaultOptions() {
    return getOptions();
  }

  private static ChatResponse reply(AssistantMessage message) {
    return new ChatResponse(List.of(new Generation(message)));
  }
}
