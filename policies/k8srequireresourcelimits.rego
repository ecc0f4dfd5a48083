package k8srequireresourcelimits

# Seed lab 6-1, policy 4. Init containers count: they run on the same node
# budget. Ephemeral containers cannot declare resources, so they are exempt.
violation[{"msg": msg, "details": {"container": container.name, "missing": missing}}] {
	container := input_containers[_]
	missing := [resource | resource := ["memory", "cpu"][_]; not has_limit(container, resource)]
	count(missing) > 0
	msg := sprintf("컨테이너 '%v'에 %v limits가 설정되지 않았습니다.", [container.name, concat("/", missing)])
}

has_limit(container, resource) {
	_ = container.resources.limits[resource]
}

input_containers[container] {
	container := input.review.object.spec.containers[_]
}

input_containers[container] {
	container := input.review.object.spec.initContainers[_]
}
