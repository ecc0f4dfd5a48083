package k8srequirenonroot

# Seed lab 6-1, policy 3. Kubernetes applies the pod-level runAsNonRoot to
# every container that does not set its own, so a pod passes when each
# container is non-root either way. A container may not opt back out, and
# an explicit UID 0 is root whatever runAsNonRoot says.
violation[{"msg": msg}] {
	not pod_run_as_non_root
	container := input_containers[_]
	not container.securityContext.runAsNonRoot == true
	msg := "Pod securityContext에 runAsNonRoot: true가 설정되지 않았습니다."
}

violation[{"msg": msg, "details": {"container": container.name}}] {
	container := input_containers[_]
	container.securityContext.runAsNonRoot == false
	msg := sprintf("컨테이너 '%v'가 runAsNonRoot: false로 root 실행을 허용합니다.", [container.name])
}

violation[{"msg": msg, "details": {"container": container.name}}] {
	container := input_containers[_]
	effective_run_as_user(container) == 0
	msg := sprintf("컨테이너 '%v'가 UID 0(root)으로 실행됩니다.", [container.name])
}

pod_run_as_non_root {
	input.review.object.spec.securityContext.runAsNonRoot == true
}

effective_run_as_user(container) = uid {
	uid := container.securityContext.runAsUser
}

effective_run_as_user(container) = uid {
	not has_run_as_user(container)
	uid := input.review.object.spec.securityContext.runAsUser
}

has_run_as_user(container) {
	_ = container.securityContext.runAsUser
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
