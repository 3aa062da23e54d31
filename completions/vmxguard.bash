# bash completion for vmxguard.  Commands, profile ids and rule ids come from
# the binary itself (--list-commands, --list-profiles, --list-rules), so they
# always match the embedded catalog; each command's options come from its
# own --help, so a new option completes without editing this file.

_vmxguard_opts()
{
    vmxguard "$1" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# Candidates for the argument of option $1; returns 1 if $1 takes none we know.
_vmxguard_optarg()
{
    local cur=$2
    case "$1" in
    --profile|-p)
        COMPREPLY=($(compgen -W "$(vmxguard --list-profiles 2>/dev/null)" -- "$cur")) ;;
    --rule|-r)
        COMPREPLY=($(compgen -W "$(vmxguard --list-rules 2>/dev/null)" -- "$cur")) ;;
    --format|-f)
        COMPREPLY=($(compgen -W "text json jsonl csv junit sarif xccdf ckl cklb html hdf" -- "$cur")) ;;
    --emit)
        COMPREPLY=($(compgen -W "govc powercli ansible terraform esxi-shell" -- "$cur")) ;;
    --ansible-collection)
        COMPREPLY=($(compgen -W "community.vmware vmware.vmware" -- "$cur")) ;;
    --color|--colour)
        COMPREPLY=($(compgen -W "auto always never" -- "$cur")) ;;
    --fail-on)
        COMPREPLY=($(compgen -W "any info low medium high cat1 cat2 cat3" -- "$cur")) ;;
    --user)
        COMPREPLY=($(compgen -u -- "$cur")) ;;
    --output-dir|--root)
        COMPREPLY=($(compgen -d -- "$cur")) ;;
    -o|--output|--waivers|--profile-file|--cacert|--credentials)
        COMPREPLY=($(compgen -f -- "$cur")) ;;
    --exclude|--jobs|-j|--flood-rate|--timeout|--page-size|--vm)
        COMPREPLY=() ;; # free text: offer nothing rather than file names
    *)
        return 1 ;;
    esac
    return 0
}

_vmxguard()
{
    local cur prev cmd
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    # --opt=value: bash splits at '=' (COMP_WORDBREAKS), so look past it
    if [ "$cur" = "=" ]; then
        prev=${COMP_WORDS[COMP_CWORD-1]}
        cur=
    elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -ge 2 ]; then
        prev=${COMP_WORDS[COMP_CWORD-2]}
    fi
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$(vmxguard --list-commands 2>/dev/null) help --help --version" -- "$cur"))
        return
    fi
    cmd=${COMP_WORDS[1]}
    _vmxguard_optarg "$prev" "$cur" && return
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
            COMPREPLY=($(compgen -W "ping ls show set" -- "$cur")); return
        fi
        return ;;
    guest)
        return ;;
    help)
        COMPREPLY=($(compgen -W "$(vmxguard --list-commands 2>/dev/null)" -- "$cur")); return ;;
    esac
    COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F _vmxguard vmxguard
