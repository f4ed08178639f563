package io.countersign.examples.springboot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * A small Spring Boot service with two privileged endpoints: {@code POST /exports} (export a customer
 * table) and {@code POST /iam/roles} (grant an IAM role). Their service methods carry
 * {@code @RequiresApproval}, so each call waits until a reviewer decides on the HTTP reviewer page,
 * and every step is written to a signed, durable audit log. Start it with {@code ./run.sh}.
 */
@SpringBootApplication
@EnableConfigurationProperties(ExampleProperties.class)
public class ExampleApplication {

  /** Starts the service; arguments are Spring Boot's ({@code --example.approver=in-memory}, ...). */
  public static void main(String[] args) {
    SpringApplication.run(ExampleApplication.class, args);
  }
}
