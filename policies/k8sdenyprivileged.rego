package k8sdenyprivileged

# Seed lab 6-1, policy 1. Ephemeral containers count too: `kubectl debug`
# must not become a way to run privileged in a protected namespace.
violation[{"msg": msg, "details": {"container": container.name}}] {
	container := input_containers[_]
	container.securityContext.privileged == true
	msg := sprintf("컨테이너 '%v'가 privileged 모드로 실행됩니다.", [container.name])
}

input_containers[container] {
	container := input.review.object.spec.containers[_]
}

input_containers[container] {
	container := input.review.object.spec.initContainers[_]
}

input_containers[container] {
	container := input.review.object.spec.ephemeralContainers[_]
}
