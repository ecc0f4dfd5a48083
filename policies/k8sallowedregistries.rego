package k8sallowedregistries

# Seed section 10-1, production: "Gatekeeper + Harbor registry restriction".
# An image must start with an allowed registry followed by "/", so a look-alike
# host (harbor.example.com.evil.io) or a bare name (busybox, which means
# Docker Hub) is denied. Every container kind counts, ephemeral ones too.
violation[{"msg": msg, "details": {"container": container.name, "image": container.image}}] {
	container := input_containers[_]
	not allowed(container.image)
	msg := sprintf("컨테이너 '%v'의 이미지 '%v'는 허용된 레지스트리(%v)의 것이 아닙니다.", [container.name, container.image, concat(", ", input.parameters.registries)])
}

allowed(image) {
	registry := input.parameters.registries[_]
	startswith(image, concat("", [registry, "/"]))
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
