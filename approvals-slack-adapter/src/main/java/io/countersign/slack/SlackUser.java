package io.countersign.slack;

import java.util.Objects;

/**
 * The Slack user who clicked or submitted, as stated by a callback whose signature was verified:
 * the only identity input a {@link ReviewerDirectory} gets. Never built from anything a user can
 * type.
 *
 * @param userId the Slack user id ({@code U0123ABC})
 * @param teamId the workspace id ({@code T0123ABC}), or {@code null} if the payload had none
 * @param userName the Slack user name, for logs and display only (never for identity decisions), or {@code null}
 */
public record SlackUser(String userId, String teamId, String userName) {

  public SlackUser {
    Objects.requireNonNull(userId, "SlackUser userId must not be null");
    if (userId.isBlank()) {
      throw new IllegalArgumentException("SlackUser userId must not be blank but was '" + userId + "'");
    }
  }
}
