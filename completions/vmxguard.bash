# bash completion for vmxguard.  Profile and rule ids come from the binary
# itself (vmxguard --list-profiles / --list-rules), so they always match the
# embedded catalog; option lists come from each command's --help.
_vmxguard_opts()
{
    vmxguard "$1" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

_vmxguard()
{
    local cur prev cmd
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$(vmxguard --list-commands 2>/dev/null) help --help --version" -- "$cur"))
        return
    fi
    cmd=${COMP_WORDS[1]}
    case "$prev" in
    --profile|-p)
        COMPREPLY=($(compgen -W "$(vmxguard --list-profiles 2>/dev/null)" -- "$cur")); return ;;
    --rule)
        COMPREPLY=($(compgen -W "$(vmxguard --list-rules 2>/dev/null)" -- "$cur")); return ;;
    --format|-f)
        COMPREPLY=($(compgen -W "text json jsonl csv junit sarif xccdf ckl cklb html" -- "$cur")); return ;;
    --emit)
        COMPREPLY=($(compgen -W "govc powercli ansible terraform esxi-shell" -- "$cur")); return ;;
    --color|--colour)
        COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
    --fail-on)
        COMPREPLY=($(compgen -W "any info low medium high" -- "$cur")); return ;;
    --output-dir|--root)
        COMPREPLY=($(compgen -d -- "$cur")); return ;;
    -o|--output|--waivers|--profile-file|--cacert|--credentials)
        COMPREPLY=($(compgen -f -- "$cur")); return ;;
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$(_vmxguard_opts "$cmd")" -- "$cur"))
        return
    fi
    case "$cmd" in
    explain)
        COMPREPLY=($(compgen -W "$(vmxguard --list-rules 2>/dev/null)" -- "$cur")); return ;;
    profiles)
        if [ "$COMP_CWORD" -eq 2 ]; then
            COMPREPLY=($(compgen -W "list show diff" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$(vmxguard --list-profiles 2>/dev/null)" -- "$cur"))
        fi
        return ;;
    vmx)
        if [ "$COMP_CWORD" -eq 2 ]; then
            COMPREPLY=($(compgen -W "get dump set rm" -- "$cur")); return
        fi ;;
    vsphere)
        if [ "$COMP_CWORD" -eq 2 ]; then
            COMPREPLY=($(compgen -W "ping ls" -- "$cur")); return
        fi ;;
    help)
        COMPREPLY=($(compgen -W "$(vmxguard --list-commands 2>/dev/null)" -- "$cur")); return ;;
    esac
    COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F _vmxguard vmxguard
