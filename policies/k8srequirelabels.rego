package k8srequirelabels

# Seed lab 6-1, policy 2: one violation per missing label. An empty value
# counts as missing, since dashboards cannot filter on it.
violation[{"msg": msg, "details": {"missing_label": label}}] {
	label := input.parameters.labels[_]
	not has_label(label)
	msg := sprintf("필수 라벨 '%v'이(가) 없습니다.", [label])
}

has_label(label) {
	value := input.review.object.metadata.labels[label]
	value != ""
}
